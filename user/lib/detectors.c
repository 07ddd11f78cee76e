/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The technique catalogue and the per-event detectors.  Each detector
 * looks at one event with its process context and says which technique it
 * shows, with a base weight and a short "why".  Weights are the catalogue's
 * base weight, raised or lowered only for what the event itself shows
 * (a failed attempt, a key taken from /tmp); the baseline's damping and
 * the session chain are applied afterwards (score.c).
 */
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "detect_int.h"


#define TN_DISCOVERY		"discovery"
#define TN_CREDENTIAL_ACCESS	"credential-access"
#define TN_LATERAL_MOVEMENT	"lateral-movement"
#define TN_COLLECTION		"collection"
#define TN_EXFILTRATION		"exfiltration"
#define TN_PERSISTENCE		"persistence"
#define TN_DEFENSE_EVASION	"defense-evasion"
#define TN_COMMAND_AND_CONTROL	"command-and-control"
#define TN_EXECUTION		"execution"
#define TN_PRIVILEGE_ESCALATION	"privilege-escalation"

const char *const espy_tactic_names[ESPY_TA_NR] = {
	[ESPY_TA_DISCOVERY] = TN_DISCOVERY,
	[ESPY_TA_CREDENTIAL_ACCESS] = TN_CREDENTIAL_ACCESS,
	[ESPY_TA_LATERAL_MOVEMENT] = TN_LATERAL_MOVEMENT,
	[ESPY_TA_COLLECTION] = TN_COLLECTION,
	[ESPY_TA_EXFILTRATION] = TN_EXFILTRATION,
	[ESPY_TA_PERSISTENCE] = TN_PERSISTENCE,
	[ESPY_TA_DEFENSE_EVASION] = TN_DEFENSE_EVASION,
	[ESPY_TA_COMMAND_AND_CONTROL] = TN_COMMAND_AND_CONTROL,
	[ESPY_TA_EXECUTION] = TN_EXECUTION,
	[ESPY_TA_PRIVILEGE_ESCALATION] = TN_PRIVILEGE_ESCALATION,
};

#define T(e, id, name, ta, w) \
	[ESPY_T_##e] = { { id, name, TN_##ta }, ESPY_TA_##ta, w }

const struct espy_tech_info espy_techs[ESPY_T_NR] = {
	T(SYSINFO, "T1082", "System Information Discovery", DISCOVERY, 15),
	T(OWNER, "T1033", "System Owner/User Discovery", DISCOVERY, 15),
	T(ACCOUNT, "T1087", "Account Discovery", DISCOVERY, 20),
	T(PROCESS, "T1057", "Process Discovery", DISCOVERY, 10),
	T(NETCONN, "T1049", "System Network Connections Discovery", DISCOVERY, 15),
	T(NETCONF, "T1016", "System Network Configuration Discovery", DISCOVERY, 15),
	T(REMOTESYS, "T1018", "Remote System Discovery", DISCOVERY, 20),
	T(NETSCAN, "T1046", "Network Service Discovery", DISCOVERY, 50),
	T(FILEDISC, "T1083", "File and Directory Discovery", DISCOVERY, 10),
	T(SHADOW, "T1003.008", "/etc/passwd and /etc/shadow", CREDENTIAL_ACCESS, 60),
	T(PRIVKEY, "T1552.004", "Private Keys", CREDENTIAL_ACCESS, 55),
	T(HISTORY, "T1552.003", "Bash History", CREDENTIAL_ACCESS, 45),
	T(PROCMEM, "T1003.007", "Proc Filesystem", CREDENTIAL_ACCESS, 65),
	T(SNIFF, "T1040", "Network Sniffing", CREDENTIAL_ACCESS, 50),
	T(SSH_LATERAL, "T1021.004", "Remote Services: SSH", LATERAL_MOVEMENT, 30),
	T(LATERAL_XFER, "T1570", "Lateral Tool Transfer", LATERAL_MOVEMENT, 60),
	T(TOOL_XFER, "T1105", "Ingress Tool Transfer", COMMAND_AND_CONTROL, 50),
	T(ARCHIVE, "T1560.001", "Archive via Utility", COLLECTION, 35),
	T(STAGING, "T1074", "Data Staged", COLLECTION, 30),
	T(EXFIL, "T1048", "Exfiltration Over Alternative Protocol", EXFILTRATION, 50),
	T(DNS_EXFIL, "T1048.003", "Exfiltration Over Unencrypted Non-C2 Protocol (DNS)", EXFILTRATION, 50),
	T(AUTHKEYS, "T1098.004", "SSH Authorized Keys", PERSISTENCE, 55),
	T(CRON, "T1053.003", "Cron", PERSISTENCE, 45),
	T(SYSTEMD, "T1543.002", "Systemd Service", PERSISTENCE, 45),
	T(SHELLRC, "T1546.004", "Unix Shell Configuration Modification", PERSISTENCE, 45),
	T(NEWUSER, "T1136.001", "Create Account: Local Account", PERSISTENCE, 55),
	T(LDPRELOAD, "T1574.006", "Dynamic Linker Hijacking", PERSISTENCE, 80),
	T(KMOD, "T1547.006", "Kernel Modules and Extensions", PERSISTENCE, 60),
	T(PAM, "T1556.003", "Pluggable Authentication Modules", CREDENTIAL_ACCESS, 60),
	T(CLEAR_HISTORY, "T1070.003", "Clear Command History", DEFENSE_EVASION, 55),
	T(CLEAR_LOGS, "T1070.002", "Clear Linux or Mac System Logs", DEFENSE_EVASION, 55),
	T(TIMESTOMP, "T1070.006", "Timestomp", DEFENSE_EVASION, 40),
	T(FILELESS, "T1620", "Reflective Code Loading (memfd)", DEFENSE_EVASION, 75),
	T(PTRACE, "T1055.008", "Ptrace System Calls", DEFENSE_EVASION, 60),
	T(SETUID, "T1548.001", "Setuid and Setgid", PRIVILEGE_ESCALATION, 55),
	T(SUDOERS, "T1548.003", "Sudo and Sudo Caching", PRIVILEGE_ESCALATION, 55),
	T(IMPAIR, "T1562.001", "Impair Defenses: Disable or Modify Tools", DEFENSE_EVASION, 85),
	T(BPF, "T1014", "Rootkit (bpf program load)", DEFENSE_EVASION, 35),
	T(REVSHELL, "T1059.004", "Unix Shell (reverse shell)", EXECUTION, 80),
	T(PROXY, "T1090", "Proxy", COMMAND_AND_CONTROL, 45),
	T(TUNNEL, "T1572", "Protocol Tunneling", COMMAND_AND_CONTROL, 45),
};

int espy_tech_find(const char *id)
{
	int i;

	for (i = 0; i < ESPY_T_NR; i++)
		if (!strcmp(espy_techs[i].t.id, id))
			return i;
	return -1;
}

static void hits_vadd(struct espy_hits *hs, int tech, int variant,
		      double weight, const char *fmt, va_list ap)
{
	struct espy_hit *h = NULL;
	int i;

	if (weight <= 0)
		return;
	if (weight > 100)
		weight = 100;
	for (i = 0; i < hs->n; i++) {
		if (hs->h[i].tech == tech) {
			if (hs->h[i].weight >= weight)
				return;
			h = &hs->h[i];
			break;
		}
	}
	if (!h) {
		if (hs->n == ESPY_MAX_HITS)
			return;
		h = &hs->h[hs->n++];
	}
	h->tech = (int16_t)tech;
	h->variant = (int16_t)variant;
	h->weight = (float)weight;
	vsnprintf(h->why, sizeof(h->why), fmt, ap);
}

void espy_hits_add(struct espy_hits *hs, int tech, double weight,
		   const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	hits_vadd(hs, tech, ESPY_V_PLAIN, weight, fmt, ap);
	va_end(ap);
}

void espy_hits_addv(struct espy_hits *hs, int tech, int variant, double weight,
		    const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	hits_vadd(hs, tech, variant, weight, fmt, ap);
	va_end(ap);
}

#define W(e) (espy_techs[ESPY_T_##e].weight)

/* ---- exec ------------------------------------------------------------ */

#define SSH_OPTS_WITH_ARG "BbcDEeFIiJLlmOopQRSWw"

/* ssh options: -i KEY from a writable directory, -D, -L/-R/-w. */
static void ssh_options(struct espy_dctx *c, struct espy_hits *hs)
{
	const struct espy_event *ev = c->ev;
	const char *a, *key = NULL;
	size_t al, keylen = 0;
	int i, proxy = 0, tunnel = 0, want_key = 0;

	for (i = 1; espy_argv_nth(ev->argv.p, ev->argv.len, i, &a, &al) == 0;
	     i++) {
		size_t j;

		if (want_key) {
			key = a;
			keylen = al;
			want_key = 0;
			continue;
		}
		if (al < 2 || a[0] != '-')
			break;	/* the destination: what follows is a command */
		for (j = 1; j < al; j++) {
			char o = a[j];

			if (o == 'D')
				proxy = 1;
			if (o == 'R' || o == 'L' || o == 'w')
				tunnel = 1;
			if (strchr(SSH_OPTS_WITH_ARG, o)) {
				if (o == 'i') {
					if (j + 1 < al) {
						key = a + j + 1;
						keylen = al - j - 1;
					} else {
						want_key = 1;
					}
				} else if (j + 1 == al && o != 'i') {
					/* the value is the next argument */
					i++;
					if (espy_argv_nth(ev->argv.p, ev->argv.len,
							  i, &a, &al))
						goto done;
				}
				break;
			}
		}
	}
done:
	if (key) {
		struct espy_pathinfo pi;

		espy_path_classify(key, keylen, &pi);
		if (pi.cat & ESPY_PC_WRITABLE) {
			c->dp->flags |= ESPY_DP_SSH_ODD_KEY;
			espy_hits_addv(hs, ESPY_T_PRIVKEY, ESPY_V_ODD_KEY, 35,
				       "ssh uses private key %.*s from a writable directory",
				      (int)(keylen > 60 ? 60 : keylen), key);
		}
	}
	if (proxy)
		espy_hits_add(hs, ESPY_T_PROXY, W(PROXY),
			      "ssh -D opens a SOCKS proxy");
	if (tunnel)
		espy_hits_add(hs, ESPY_T_TUNNEL, W(TUNNEL),
			      "ssh port forwarding (-L/-R/-w)");
}

struct argv_disc {
	const char *needle;
	int tech;
};

/* Files whose mere reading by a pager is discovery. */
static const struct argv_disc argv_discovery[] = {
	{ "/etc/passwd", ESPY_T_ACCOUNT },
	{ "/etc/group", ESPY_T_ACCOUNT },
	{ "/etc/os-release", ESPY_T_SYSINFO },
	{ "/proc/version", ESPY_T_SYSINFO },
	{ "/etc/issue", ESPY_T_SYSINFO },
	{ "/proc/cpuinfo", ESPY_T_SYSINFO },
	{ "/etc/hosts", ESPY_T_REMOTESYS },
	{ "known_hosts", ESPY_T_REMOTESYS },
	{ "/proc/net/arp", ESPY_T_REMOTESYS },
	{ "/etc/resolv.conf", ESPY_T_NETCONF },
	{ "/etc/network/interfaces", ESPY_T_NETCONF },
	{ "/proc/net/tcp", ESPY_T_NETCONN },
	{ "/proc/net/udp", ESPY_T_NETCONN },
};

static int archive_creates(const struct espy_event *ev, const char *b,
			   size_t bl)
{
	const char *a;
	size_t al;

	if (espy_argv_nth(ev->argv.p, ev->argv.len, 1, &a, &al))
		return 0;
	if (bl == 3 && !memcmp(b, "tar", 3))
		return (al && a[0] != '-' && memchr(a, 'c', al)) ||
		       (al > 1 && a[0] == '-' && a[1] != '-' &&
			memchr(a, 'c', al)) ||
		       espy_argv_arg(ev->argv.p, ev->argv.len, "--create");
	if ((bl == 2 && !memcmp(b, "7z", 2)) || (bl == 3 && !memcmp(b, "7za", 3)))
		return al == 1 && a[0] == 'a';
	if ((bl == 3 && !memcmp(b, "zip", 3)) || (bl == 3 && !memcmp(b, "rar", 3)))
		return 1;
	return 0;
}

static void det_exec(struct espy_dctx *c, struct espy_hits *hs)
{
	const struct espy_event *ev = c->ev;
	const struct espy_exec *x = ev->exec;
	const char *argv = ev->argv.p, *b;
	size_t alen = ev->argv.len, bl;
	uint32_t tool = c->tool;
	size_t i;

	b = espy_basename(ev->path.p, ev->path.len, &bl);
	if (ev->script.len)
		b = espy_basename(ev->script.p, ev->script.len, &bl);

	/* discovery commands */
	if (c->dp->disc_tech >= 0) {
		int t = c->dp->disc_tech;

		if (t == ESPY_T_NETCONF &&
		    (espy_argv_arg(argv, alen, "neigh") ||
		     espy_argv_arg(argv, alen, "neighbour") ||
		     espy_argv_arg(argv, alen, "n")))
			t = ESPY_T_REMOTESYS;
		if (bl == 6 && !memcmp(b, "getent", 6)) {
			if (espy_argv_arg(argv, alen, "hosts") ||
			    espy_argv_arg(argv, alen, "ahosts"))
				t = ESPY_T_REMOTESYS;
			else if (!espy_argv_arg(argv, alen, "passwd") &&
				 !espy_argv_arg(argv, alen, "group") &&
				 !espy_argv_arg(argv, alen, "shadow"))
				t = -1;
		}
		if (t == ESPY_T_FILEDISC && espy_argv_has(argv, alen, "-perm") &&
		    (espy_argv_has(argv, alen, "4000") ||
		     espy_argv_has(argv, alen, "u=s") ||
		     espy_argv_has(argv, alen, "u+s")))
			espy_hits_addv(hs, ESPY_T_FILEDISC, ESPY_V_SUID_SEARCH, 35,
				       "find searches for setuid files");
		if (t == ESPY_T_FILEDISC && (espy_argv_has(argv, alen, "id_rsa") ||
					     espy_argv_has(argv, alen, "id_ed25519") ||
					     espy_argv_has(argv, alen, ".pem") ||
					     espy_argv_has(argv, alen, "*.key")))
			espy_hits_add(hs, ESPY_T_PRIVKEY, 35,
				      "search for private key files");
		if (t >= 0)
			espy_hits_add(hs, t, espy_techs[t].weight, "ran %.*s",
				      (int)(bl > 40 ? 40 : bl), b);
	}
	if (tool & (ESPY_TOOL_PAGER | ESPY_TOOL_COPY)) {
		for (i = 0; i < sizeof(argv_discovery) / sizeof(argv_discovery[0]);
		     i++) {
			if (espy_argv_has(argv, alen, argv_discovery[i].needle)) {
				int t = argv_discovery[i].tech;

				espy_hits_add(hs, t, espy_techs[t].weight,
					      "%.*s reads %s", (int)(bl > 20 ? 20 : bl),
					      b, argv_discovery[i].needle);
			}
		}
	}
	if ((tool & ESPY_TOOL_NETCAT) && (espy_argv_arg(argv, alen, "-z") ||
					  espy_argv_has(argv, alen, "-zv") ||
					  espy_argv_has(argv, alen, "-vz")))
		espy_hits_add(hs, ESPY_T_NETSCAN, W(NETSCAN),
			      "netcat port scan (-z)");
	if (tool & ESPY_TOOL_SNIFFER)
		espy_hits_add(hs, ESPY_T_SNIFF, 45, "ran packet capture %.*s",
			      (int)(bl > 30 ? 30 : bl), b);
	if (tool & ESPY_TOOL_USERADM) {
		int create = (bl == 7 && !memcmp(b, "useradd", 7)) ||
			     (bl == 7 && !memcmp(b, "adduser", 7)) ||
			     (bl == 8 && !memcmp(b, "newusers", 8));

		espy_hits_add(hs, ESPY_T_NEWUSER, create ? W(NEWUSER) : 30,
			      "ran %.*s", (int)(bl > 20 ? 20 : bl), b);
	}
	if ((tool & ESPY_TOOL_CRONTAB) && !espy_argv_arg(argv, alen, "-l"))
		espy_hits_add(hs, ESPY_T_CRON, W(CRON), "crontab installs a job");
	if ((tool & ESPY_TOOL_SYSTEMCTL) && espy_argv_arg(argv, alen, "enable"))
		espy_hits_add(hs, ESPY_T_SYSTEMD, 30, "systemctl enable");
	if (((tool & ESPY_TOOL_SYSTEMCTL) &&
	     (espy_argv_arg(argv, alen, "stop") ||
	      espy_argv_arg(argv, alen, "disable") ||
	      espy_argv_arg(argv, alen, "mask")) &&
	     espy_argv_has(argv, alen, "espy")) ||
	    (((bl == 4 && !memcmp(b, "kill", 4)) ||
	      (bl == 5 && !memcmp(b, "pkill", 5)) ||
	      (bl == 7 && !memcmp(b, "killall", 7))) &&
	     espy_argv_has(argv, alen, "espyd")))
		espy_hits_add(hs, ESPY_T_IMPAIR, W(IMPAIR),
			      "%.*s aimed at espyd", (int)(bl > 20 ? 20 : bl), b);
	if ((tool & ESPY_TOOL_ARCHIVER) && archive_creates(ev, b, bl)) {
		double w = 30;
		int v = ESPY_V_PLAIN;

		if (espy_argv_has(argv, alen, "/tmp/") ||
		    espy_argv_has(argv, alen, "/dev/shm/") ||
		    espy_argv_has(argv, alen, "/var/tmp/"))
			w += 10;
		if (espy_argv_has(argv, alen, ".ssh") ||
		    espy_argv_has(argv, alen, "/etc/shadow") ||
		    espy_argv_has(argv, alen, ".gnupg")) {
			w += 15;
			v = ESPY_V_SENSITIVE;
		}
		espy_hits_addv(hs, ESPY_T_ARCHIVE, v, w,
			       "%.*s creates an archive%s",
			       (int)(bl > 20 ? 20 : bl), b,
			       v ? " of keys or credentials" : "");
	}
	if (tool & ESPY_TOOL_SSH)
		ssh_options(c, hs);
	if (tool & ESPY_TOOL_TUNNEL) {
		if (espy_argv_has(argv, alen, "EXEC:") ||
		    espy_argv_has(argv, alen, "SYSTEM:") ||
		    espy_argv_has(argv, alen, "exec:"))
			espy_hits_add(hs, ESPY_T_REVSHELL, 70,
				      "socat runs a program on a socket");
		else
			espy_hits_add(hs, ESPY_T_TUNNEL, bl == 5 ? W(TUNNEL) : 60,
				      "ran tunnel tool %.*s",
				      (int)(bl > 20 ? 20 : bl), b);
	}
	if ((tool & ESPY_TOOL_NETCAT) && (espy_argv_arg(argv, alen, "-e") ||
					  espy_argv_arg(argv, alen, "-c")))
		espy_hits_add(hs, ESPY_T_REVSHELL, 75,
			      "netcat executes a program (-e/-c)");
	if ((tool & (ESPY_TOOL_SHELL | ESPY_TOOL_INTERP)) &&
	    (x->flags & ESPY_EXEC_STDIN_SOCK) && (x->flags & ESPY_EXEC_STDOUT_SOCK))
		espy_hits_add(hs, ESPY_T_REVSHELL, W(REVSHELL),
			      "%.*s with stdin and stdout on a socket",
			      (int)(bl > 20 ? 20 : bl), b);
	if (x->flags & ESPY_EXEC_MEMFD)
		espy_hits_add(hs, ESPY_T_FILELESS, W(FILELESS),
			      "executes a memfd (fileless)");
	else if (x->flags & ESPY_EXEC_DELETED)
		espy_hits_add(hs, ESPY_T_FILELESS, 65,
			      "executes a deleted file");
}

/* ---- files ----------------------------------------------------------- */

static int explicit_time(int64_t t)
{
	return t != ESPY_UTIME_NOW && t != ESPY_UTIME_OMIT;
}

#define CLS(pi) (int)strnlen((pi)->cls, 60), (pi)->cls

/* Writes (or replacements) of files that persistence lives in. */
static void det_persist(struct espy_dctx *c, const struct espy_pathinfo *pi,
			const char *verb, struct espy_hits *hs)
{
	uint32_t cat = pi->cat;

	if (cat & ESPY_PC_AUTHKEYS)
		espy_hits_add(hs, ESPY_T_AUTHKEYS, W(AUTHKEYS), "%s %.*s", verb,
			      CLS(pi));
	if (cat & ESPY_PC_CRON)
		espy_hits_add(hs, ESPY_T_CRON, W(CRON), "%s %.*s", verb, CLS(pi));
	if (cat & ESPY_PC_SYSTEMD)
		espy_hits_add(hs, ESPY_T_SYSTEMD, W(SYSTEMD), "%s %.*s", verb,
			      CLS(pi));
	if (cat & ESPY_PC_SHELLRC)
		espy_hits_add(hs, ESPY_T_SHELLRC, W(SHELLRC), "%s %.*s", verb,
			      CLS(pi));
	if (cat & ESPY_PC_LDPRELOAD)
		espy_hits_add(hs, ESPY_T_LDPRELOAD, W(LDPRELOAD), "%s %.*s", verb,
			      CLS(pi));
	if (cat & ESPY_PC_SUDOERS)
		espy_hits_add(hs, ESPY_T_SUDOERS, W(SUDOERS), "%s %.*s", verb,
			      CLS(pi));
	if (cat & ESPY_PC_PAM_AUTH)
		espy_hits_add(hs, ESPY_T_PAM, W(PAM), "%s %.*s", verb, CLS(pi));
	if (cat & (ESPY_PC_PASSWD | ESPY_PC_SHADOW))
		espy_hits_add(hs, ESPY_T_NEWUSER,
			      (c->tool & ESPY_TOOL_USERADM) ? 30 : W(NEWUSER),
			      "%s %.*s", verb, CLS(pi));
	if (cat & ESPY_PC_ESPY)
		espy_hits_add(hs, ESPY_T_IMPAIR, W(IMPAIR), "%s espy's %.*s",
			      verb, CLS(pi));
}

static void det_file(struct espy_dctx *c, struct espy_hits *hs)
{
	const struct espy_event *ev = c->ev;
	const struct espy_file *f = ev->file;
	const struct espy_pathinfo *pi = &c->pi;
	uint32_t cat = pi->cat, type = f->hdr.type;
	int failed = f->ret < 0;
	double k = failed ? 0.6 : 1.0;
	struct espy_hits tmp;
	int i;

	tmp.n = 0;	/* only h[0..n) is ever read: no need to clear 600 bytes */

	if (type == ESPY_EV_OPEN && !c->write) {
		if (cat & ESPY_PC_SHADOW)
			espy_hits_add(&tmp, ESPY_T_SHADOW, W(SHADOW), "reads %.*s",
				      CLS(pi));
		if ((cat & ESPY_PC_SSH_KEY) && !(c->tool & ESPY_TOOL_SSHD))
			espy_hits_add(&tmp, ESPY_T_PRIVKEY,
				      (c->tool & ESPY_TOOL_SSH) ? 15 : W(PRIVKEY),
				      "reads private key %.*s", CLS(pi));
		if ((cat & ESPY_PC_HISTORY) && !(c->tool & ESPY_TOOL_SHELL))
			espy_hits_add(&tmp, ESPY_T_HISTORY, W(HISTORY),
				      "reads %.*s", CLS(pi));
		if ((cat & ESPY_PC_PROC_MEM) && pi->proc_pid &&
		    pi->proc_pid != f->hdr.tgid)
			espy_hits_add(&tmp, ESPY_T_PROCMEM, W(PROCMEM),
				      "reads memory of pid %u", pi->proc_pid);
		if ((cat & ESPY_PC_KNOWN_HOSTS) && (cat & ESPY_PC_SSH_DIR) &&
		    !(c->tool & (ESPY_TOOL_SSH | ESPY_TOOL_SSHD)))
			espy_hits_add(&tmp, ESPY_T_REMOTESYS, 25, "reads %.*s",
				      CLS(pi));
	} else if (type == ESPY_EV_OPEN) {
		int trunc = (f->flags & O_TRUNC) != 0;

		det_persist(c, pi, "writes", &tmp);
		if ((cat & ESPY_PC_HISTORY) && trunc && !(c->tool & ESPY_TOOL_SHELL))
			espy_hits_add(&tmp, ESPY_T_CLEAR_HISTORY, W(CLEAR_HISTORY),
				      "truncates %.*s", CLS(pi));
		if ((cat & ESPY_PC_LOG) && trunc)
			espy_hits_add(&tmp, ESPY_T_CLEAR_LOGS, W(CLEAR_LOGS),
				      "truncates %.*s", CLS(pi));
		if ((cat & ESPY_PC_ARCHIVE) && (cat & ESPY_PC_WRITABLE) &&
		    (f->flags & O_CREAT))
			espy_hits_add(&tmp, ESPY_T_STAGING, W(STAGING),
				      "writes an archive in %.*s", CLS(pi));
		if ((cat & ESPY_PC_PROC_MEM) && pi->proc_pid &&
		    pi->proc_pid != f->hdr.tgid)
			espy_hits_add(&tmp, ESPY_T_PTRACE, 70,
				      "writes memory of pid %u", pi->proc_pid);
	} else if (type == ESPY_EV_UNLINK || type == ESPY_EV_TRUNCATE) {
		const char *verb = type == ESPY_EV_UNLINK ? "deletes" : "truncates";

		if (cat & ESPY_PC_HISTORY)
			espy_hits_add(&tmp, ESPY_T_CLEAR_HISTORY, W(CLEAR_HISTORY),
				      "%s %.*s", verb, CLS(pi));
		if ((cat & ESPY_PC_LOG) && !(f->fflags & ESPY_FILE_DIR))
			espy_hits_add(&tmp, ESPY_T_CLEAR_LOGS, W(CLEAR_LOGS),
				      "%s %.*s", verb, CLS(pi));
		if (cat & ESPY_PC_ESPY)
			espy_hits_add(&tmp, ESPY_T_IMPAIR, W(IMPAIR),
				      "%s espy's %.*s", verb, CLS(pi));
		if (type == ESPY_EV_TRUNCATE)
			det_persist(c, pi, "truncates", &tmp);
	} else if (type == ESPY_EV_RENAME || type == ESPY_EV_LINK) {
		/* the new name is where persistence lands */
		det_persist(c, &c->pi2, type == ESPY_EV_RENAME ? "renames onto"
							       : "links",
			    &tmp);
		if (type == ESPY_EV_LINK && (f->fflags & ESPY_FILE_SYMLINK) &&
		    (cat & ESPY_PC_HISTORY) && ev->path2.len == 9 &&
		    !memcmp(ev->path2.p, "/dev/null", 9))
			espy_hits_add(&tmp, ESPY_T_CLEAR_HISTORY, W(CLEAR_HISTORY),
				      "links %.*s to /dev/null", CLS(pi));
		if (type == ESPY_EV_RENAME && (cat & ESPY_PC_ESPY))
			espy_hits_add(&tmp, ESPY_T_IMPAIR, W(IMPAIR),
				      "moves espy's %.*s", CLS(pi));
		if (type == ESPY_EV_RENAME && (cat & ESPY_PC_HISTORY))
			espy_hits_add(&tmp, ESPY_T_CLEAR_HISTORY, 40,
				      "moves %.*s away", CLS(pi));
	} else if (type == ESPY_EV_CHMOD) {
		if (f->mode & 06000)
			espy_hits_add(&tmp, ESPY_T_SETUID, W(SETUID),
				      "sets the %s bit on %.*s",
				      (f->mode & 04000) ? "setuid" : "setgid",
				      CLS(pi));
		if (cat & ESPY_PC_ESPY)
			espy_hits_add(&tmp, ESPY_T_IMPAIR, W(IMPAIR),
				      "changes mode of espy's %.*s", CLS(pi));
	} else if (type == ESPY_EV_CHOWN) {
		if (cat & ESPY_PC_ESPY)
			espy_hits_add(&tmp, ESPY_T_IMPAIR, W(IMPAIR),
				      "changes owner of espy's %.*s", CLS(pi));
	} else if (type == ESPY_EV_UTIMES) {
		if (explicit_time(f->mtime_ns) || explicit_time(f->atime_ns)) {
			int sys = (cat & (ESPY_PC_SYSBIN | ESPY_PC_ESPY)) ||
				  !strncmp(pi->cls, "/etc", 4);

			espy_hits_add(&tmp, ESPY_T_TIMESTOMP,
				      W(TIMESTOMP) + (sys ? 15 : 0),
				      "sets explicit times on %.*s", CLS(pi));
		}
	}
	for (i = 0; i < tmp.n; i++)
		espy_hits_add(hs, tmp.h[i].tech, tmp.h[i].weight * k, "%s%s",
			      tmp.h[i].why, failed ? " (failed)" : "");
}

/* ---- network, privilege ---------------------------------------------- */

static void det_connect(struct espy_dctx *c, struct espy_hits *hs)
{
	const struct espy_net *n = c->ev->net;
	char addr[64];

	if (n->ret != 0 && n->ret != -115)
		return;
	if (n->remote_port == 22 &&
	    (c->dst == ESPY_DST_PRIVATE || c->dst == ESPY_DST_PUBLIC ||
	     c->dst == ESPY_DST_LINKLOCAL)) {
		double w = (c->tool & (ESPY_TOOL_SSH | ESPY_TOOL_TRANSFER))
			   ? W(SSH_LATERAL) : 40;

		espy_addr_str(n->family, n->remote_addr, addr, sizeof(addr));
		if (c->dp->flags & ESPY_DP_SSH_ODD_KEY) {
			espy_hits_addv(hs, ESPY_T_SSH_LATERAL, ESPY_V_ODD_KEY, 65,
				       "ssh to %s with a key from a writable directory",
				       addr);
		} else {
			espy_hits_add(hs, ESPY_T_SSH_LATERAL, w, "ssh to %s",
				      addr);
		}
	}
}

static void det_listen(struct espy_dctx *c, struct espy_hits *hs)
{
	const struct espy_net *n = c->ev->net;

	if (c->tool & ESPY_TOOL_SSH)
		espy_hits_add(hs, ESPY_T_PROXY, W(PROXY),
			      "ssh client listens on port %u (forwarding)",
			      n->local_port);
}

static double label_entropy(const char *s, size_t n)
{
	unsigned int cnt[256] = { 0 };
	double e = 0;
	size_t i;

	for (i = 0; i < n; i++)
		cnt[(unsigned char)s[i]]++;
	for (i = 0; i < 256; i++) {
		if (cnt[i]) {
			double p = (double)cnt[i] / n;

			e -= p * log2(p);
		}
	}
	return e;
}

static void det_dns(struct espy_dctx *c, struct espy_hits *hs)
{
	const char *s = c->ev->name.p, *lab = s, *best = s;
	size_t n = c->ev->name.len, i, bl = 0;

	for (i = 0; i <= n; i++) {
		if (i == n || s[i] == '.') {
			if ((size_t)(s + i - lab) > bl) {
				bl = s + i - lab;
				best = lab;
			}
			lab = s + i + 1;
		}
	}
	if (bl >= 40 || n >= 100)
		espy_hits_add(hs, ESPY_T_DNS_EXFIL, W(DNS_EXFIL),
			      "DNS query with a %zu-byte label (%zu bytes)", bl, n);
	else if (bl >= 24 && label_entropy(best, bl) >= 4.0)
		espy_hits_add(hs, ESPY_T_DNS_EXFIL, 40,
			      "DNS query with a random-looking %zu-byte label", bl);
}

#define PTRACE_POKETEXT_	4
#define PTRACE_POKEDATA_	5
#define PTRACE_POKEUSER_	6
#define PTRACE_SETREGS_		13
#define PTRACE_ATTACH_		16
#define PTRACE_SEIZE_		0x4206

static int signal_stops(uint64_t sig)
{
	switch (sig) {
	case 2: case 3: case 6: case 9: case 11: case 15: case 19: case 20:
		return 1;	/* INT QUIT ABRT KILL SEGV TERM STOP TSTP */
	default:
		return 0;
	}
}

static void det_priv(struct espy_dctx *c, struct espy_hits *hs)
{
	const struct espy_priv *p = c->ev->priv;
	uint64_t req = p->args[0];

	switch (p->hdr.type) {
	case ESPY_EV_PTRACE:
		if (p->target_pid == p->hdr.tgid)
			break;
		if (req == PTRACE_POKETEXT_ || req == PTRACE_POKEDATA_ ||
		    req == PTRACE_POKEUSER_ || req == PTRACE_SETREGS_)
			espy_hits_add(hs, ESPY_T_PTRACE, 70,
				      "ptrace writes into pid %u", p->target_pid);
		else if (req == PTRACE_ATTACH_ || req == PTRACE_SEIZE_)
			espy_hits_add(hs, ESPY_T_PTRACE, W(PTRACE),
				      "ptrace attaches to pid %u", p->target_pid);
		break;
	case ESPY_EV_VM_WRITE:
		if (p->target_pid != p->hdr.tgid)
			espy_hits_add(hs, ESPY_T_PTRACE, 70,
				      "process_vm_writev into pid %u",
				      p->target_pid);
		break;
	case ESPY_EV_MODULE:
		espy_hits_add(hs, ESPY_T_KMOD, W(KMOD), "loads a kernel module%s%.*s",
			      c->ev->name.len ? " " : "",
			      (int)(c->ev->name.len > 60 ? 60 : c->ev->name.len),
			      c->ev->name.p ? c->ev->name.p : "");
		break;
	case ESPY_EV_BPF:
		espy_hits_add(hs, ESPY_T_BPF, W(BPF), "loads a bpf program");
		break;
	case ESPY_EV_MEMFD:
		espy_hits_add(hs, ESPY_T_FILELESS, 15, "creates a memfd");
		break;
	case ESPY_EV_KILL:
		/* stopping, killing or freezing it; pid 1 stopping the service
		 * and reload/continue signals are how espyd is run */
		if (p->hdr.tgid != 1 && signal_stops(p->args[0]))
			espy_hits_add(hs, ESPY_T_IMPAIR, W(IMPAIR),
				      "signal %llu sent to espyd",
				      (unsigned long long)p->args[0]);
		break;
	case ESPY_EV_SOCKET:
		if (p->args[0] == 17 /* AF_PACKET */)
			espy_hits_add(hs, ESPY_T_SNIFF, W(SNIFF),
				      "opens a packet socket");
		else if ((p->args[1] & 0xf) == SOCK_RAW)
			espy_hits_add(hs, ESPY_T_SNIFF, 30, "opens a raw socket");
		break;
	default:
		break;
	}
}

void espy_detectors_run(struct espy_dctx *c, struct espy_hits *hs)
{
	const struct espy_event *ev = c->ev;

	switch (ev->hdr->type) {
	case ESPY_EV_EXEC:
		if (c->dp)
			det_exec(c, hs);
		break;
	case ESPY_EV_OPEN ... ESPY_EV_MKDIR:
		det_file(c, hs);
		break;
	case ESPY_EV_CONNECT:
		if (c->dp)
			det_connect(c, hs);
		break;
	case ESPY_EV_LISTEN:
		det_listen(c, hs);
		break;
	case ESPY_EV_DNS:
		det_dns(c, hs);
		break;
	case ESPY_EV_PTRACE ... ESPY_EV_SOCKET:
		det_priv(c, hs);
		break;
	default:
		break;
	}
}
