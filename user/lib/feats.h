/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What detection sees in an event, before any scoring: the feature kinds
 * of the baseline (DESIGN.md section 5), the classes that keep features
 * host-independent and bounded (path classes, destination classes, program
 * identity), and the catalogue of well-known tools that detectors key on.
 * All of it is pure: strings in, hashes and flags out, no allocation.
 */
#ifndef ESPY_FEATS_H
#define ESPY_FEATS_H

#include <stddef.h>
#include <stdint.h>

/* Feature kinds: one baseline table each. */
enum espy_feat {
	ESPY_FEAT_PARENT_EXE,	/* parent program -> program (exec) */
	ESPY_FEAT_USER_EXE,	/* user -> program (exec) */
	ESPY_FEAT_EXE_FILE,	/* program -> path class (file events) */
	ESPY_FEAT_EXE_DSTCLASS,	/* program -> destination class and port */
	ESPY_FEAT_EXE_DST,	/* program -> destination host:port */
	ESPY_FEAT_LISTEN,	/* listening program -> port */
	ESPY_FEAT_INBOUND,	/* program:port -> inbound peer host */
	ESPY_FEAT_LOGIN,	/* user -> destination (or source) host of a login */
	ESPY_FEAT_FANOUT,	/* program -> distinct peers per window, log2 */
	ESPY_FEAT_BYTES,	/* program -> destination class:port, bytes out log2 */
	ESPY_FEAT_DNS,		/* program -> queried domain */
	ESPY_FEAT_TECH,		/* program -> technique (damps detectors) */
	ESPY_FEAT_LINEAGE_TECH,	/* parent program -> technique */
	ESPY_FEAT_NR,
};

extern const char *const espy_feat_names[ESPY_FEAT_NR];

/* ---- paths ---- */

/* Path categories (bits): what detectors care about. */
#define ESPY_PC_WRITABLE	(1U << 0)	/* /tmp, /var/tmp, /dev/shm, /run/shm */
#define ESPY_PC_HOME		(1U << 1)	/* under /home/X or /root */
#define ESPY_PC_SHADOW		(1U << 2)	/* /etc/shadow, gshadow (and -) */
#define ESPY_PC_PASSWD		(1U << 3)	/* /etc/passwd, /etc/group */
#define ESPY_PC_SSH_KEY		(1U << 4)	/* private keys: id_*, *.pem, *.key, host keys */
#define ESPY_PC_HISTORY		(1U << 5)	/* shell and REPL histories */
#define ESPY_PC_AUTHKEYS	(1U << 6)	/* authorized_keys(2) */
#define ESPY_PC_CRON		(1U << 7)	/* crontabs, cron.d, spool */
#define ESPY_PC_SYSTEMD		(1U << 8)	/* unit files */
#define ESPY_PC_SHELLRC		(1U << 9)	/* .bashrc, .profile, /etc/profile.d ... */
#define ESPY_PC_LDPRELOAD	(1U << 10)	/* /etc/ld.so.preload */
#define ESPY_PC_LOG		(1U << 11)	/* /var/log */
#define ESPY_PC_PROC_MEM	(1U << 12)	/* /proc/PID/mem (or maps) */
#define ESPY_PC_ESPY		(1U << 13)	/* espy's own config, state, binaries */
#define ESPY_PC_SUDOERS		(1U << 14)	/* /etc/sudoers(.d) */
#define ESPY_PC_SYSBIN		(1U << 15)	/* /bin /sbin /usr/bin /usr/sbin /usr/lib */
#define ESPY_PC_ARCHIVE		(1U << 16)	/* name ends in an archive suffix */
#define ESPY_PC_KNOWN_HOSTS	(1U << 17)	/* ~/.ssh/known_hosts, /etc/hosts */
#define ESPY_PC_PROC_OTHER	(1U << 18)	/* /proc/PID/... of a numeric pid */
#define ESPY_PC_SSH_DIR		(1U << 19)	/* anything under ~/.ssh */
#define ESPY_PC_PAM_AUTH	(1U << 20)	/* /etc/pam.d, /etc/ssh/sshd_config */

struct espy_pathinfo {
	uint32_t cat;		/* ESPY_PC_* */
	uint32_t proc_pid;	/* for /proc/PID/...: PID (0 for self) */
	uint64_t class_hash;	/* hash of the normalised class */
	char cls[96];		/* the class, for reasons: "~/.ssh", "/etc" */
};

/* Classify an absolute path (not NUL-terminated, len bytes). */
void espy_path_classify(const char *p, size_t len, struct espy_pathinfo *pi);

/* ---- programs ---- */

/* Tool flags. */
#define ESPY_TOOL_SHELL		(1U << 0)
#define ESPY_TOOL_INTERP	(1U << 1)	/* python, perl, ruby, php, node */
#define ESPY_TOOL_TRANSFER	(1U << 2)	/* scp, sftp-server, curl, wget, rsync, nc */
#define ESPY_TOOL_ARCHIVER	(1U << 3)
#define ESPY_TOOL_SSH		(1U << 4)	/* ssh client */
#define ESPY_TOOL_SSHD		(1U << 5)
#define ESPY_TOOL_COMPILER	(1U << 6)	/* cc1, ld, as, go, rustc ... */
#define ESPY_TOOL_PKG		(1U << 7)	/* dpkg, apt, rpm, pip ... */
#define ESPY_TOOL_LOGROTATE	(1U << 8)
#define ESPY_TOOL_SCANNER	(1U << 9)	/* nmap, masscan, zmap */
#define ESPY_TOOL_DEBUGGER	(1U << 10)	/* gdb, strace, ltrace */
#define ESPY_TOOL_USERADM	(1U << 11)	/* useradd, adduser, usermod, chpasswd */
#define ESPY_TOOL_CRONTAB	(1U << 12)
#define ESPY_TOOL_SYSTEMCTL	(1U << 13)
#define ESPY_TOOL_SNIFFER	(1U << 14)	/* tcpdump, tshark */
#define ESPY_TOOL_TUNNEL	(1U << 15)	/* socat, chisel, ngrok */
#define ESPY_TOOL_PAGER		(1U << 16)	/* cat, less, head, grep ... (readers) */
#define ESPY_TOOL_COPY		(1U << 17)	/* cp, mv, install, dd */
#define ESPY_TOOL_SERVICE_MGR	(1U << 18)	/* systemd, init, cron daemon */
#define ESPY_TOOL_NETCAT	(1U << 19)	/* nc, ncat, netcat */
#define ESPY_TOOL_TOUCH		(1U << 20)
#define ESPY_TOOL_ESPY		(1U << 21)	/* espy's own programs */
#define ESPY_TOOL_SUDO		(1U << 22)

struct espy_tool {
	const char *name;	/* basename */
	uint32_t flags;		/* ESPY_TOOL_* */
	int16_t tech;		/* discovery technique (enum espy_tech) or -1 */
};

/* The tool with this basename, or NULL. */
const struct espy_tool *espy_tool_lookup(const char *base, size_t len);

/* The basename of path: pointer into it and its length. */
const char *espy_basename(const char *p, size_t len, size_t *blen);

/*
 * Program identity for features: the executable path, except that a
 * program in a writable directory or a memfd is reduced to its class
 * ("/tmp/ANY"), so that fresh build outputs under random names are one
 * program to the baseline.  Returns the hash; norm (optional) gets the
 * normalised form.
 */
uint64_t espy_program_key(const char *path, size_t len, char *norm,
			  size_t normsz);

/* ---- network ---- */

enum espy_dst_class {
	ESPY_DST_UNSPEC = 0,
	ESPY_DST_LOOPBACK,
	ESPY_DST_LINKLOCAL,
	ESPY_DST_PRIVATE,	/* RFC 1918, CGNAT, ULA: "internal" */
	ESPY_DST_MULTICAST,
	ESPY_DST_PUBLIC,
	ESPY_DST_UNIX,
	ESPY_DST_NR,
};

extern const char *const espy_dst_class_names[ESPY_DST_NR];

/* addr: 16 bytes in network order, IPv4 in the first 4 (family AF_INET). */
enum espy_dst_class espy_dst_classify(uint16_t family, const uint8_t *addr);
/* "10.0.0.2" / "fd00::1" into out. */
void espy_addr_str(uint16_t family, const uint8_t *addr, char *out,
		   size_t outsz);
/* Hash of family + address bytes that matter. */
uint64_t espy_addr_hash(uint16_t family, const uint8_t *addr);
/* Port for features: itself below 32768, else one "ephemeral" bucket. */
static inline uint32_t espy_port_class(uint16_t port)
{
	return port >= 32768 ? 32768 : port;
}

/* ---- argv ---- */

/* Is needle (NUL-terminated) somewhere in argv (NUL-separated)? */
int espy_argv_has(const char *argv, size_t len, const char *needle);
/* Is there an argument exactly equal to arg? */
int espy_argv_arg(const char *argv, size_t len, const char *arg);
/* argv[i] (0-based) as pointer and length; -1 when absent. */
int espy_argv_nth(const char *argv, size_t len, int i, const char **s,
		  size_t *slen);

#endif /* ESPY_FEATS_H */
