/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Why each entry is here: the credential, persistence and discovery
 * techniques of DESIGN.md section 6 read these files.  Kept short: every
 * entry costs a lookup on each read-only open in the kernel, and paths that
 * every process reads (/etc/hosts, /etc/ld.so.cache) would flood the stream.
 */
#include "interest.h"

const char *const espy_interest_prefixes[] = {
	/* accounts and credentials (T1003.008, T1552) */
	"/etc/shadow", "/etc/gshadow", "/etc/passwd", "/etc/group",
	"/etc/security/opasswd", "/etc/krb5.keytab",
	"/root/.ssh/", "/root/.gnupg/", "/root/.aws/", "/root/.kube/",
	"/root/.docker/",
	/* authentication and privilege configuration */
	"/etc/sudoers", "/etc/pam.d/", "/etc/security/", "/etc/ssh/",
	/* persistence: cron, systemd, preload (T1053.003, T1543.002, T1574.006) */
	"/etc/cron", "/var/spool/cron/", "/etc/systemd/system/",
	"/lib/systemd/system/", "/usr/lib/systemd/system/",
	"/etc/ld.so.preload",
	/* who is logged in (T1033) */
	"/var/run/utmp", "/run/utmp", "/var/log/wtmp", "/var/log/btmp",
	"/var/log/lastlog",
};
const int espy_interest_nprefixes =
	sizeof(espy_interest_prefixes) / sizeof(espy_interest_prefixes[0]);

const char *const espy_interest_names[] = {
	/* shell and tool histories (T1552.003) */
	".bash_history", ".zsh_history", ".sh_history", ".history",
	".python_history", ".mysql_history", ".psql_history", ".lesshst",
	".viminfo",
	/* keys and stored credentials (T1552.004, T1552.001) */
	"id_rsa", "id_dsa", "id_ecdsa", "id_ed25519", "id_ecdsa_sk",
	"id_ed25519_sk", "authorized_keys", "authorized_keys2", "known_hosts",
	".netrc", ".pgpass", ".my.cnf", ".git-credentials", ".npmrc", ".pypirc",
	"secring.gpg", "wallet.dat",
	/* another process's memory and environment: /proc/PID/mem (T1003.007) */
	"mem", "environ",
};
const int espy_interest_nnames =
	sizeof(espy_interest_names) / sizeof(espy_interest_names[0]);
