/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The technique catalogue (DESIGN.md section 6) and the detectors that
 * recognise each technique in one event, given what the engine knows of
 * the process and session.  A detector only says "this event shows
 * technique T with this weight, because ..."; damping and raising by the
 * baseline, and the session chain, happen in score.c.
 */
#ifndef ESPY_DETECTORS_H
#define ESPY_DETECTORS_H

#include <stddef.h>
#include <stdint.h>
#include "event.h"

enum espy_tactic {
	ESPY_TA_DISCOVERY,
	ESPY_TA_CREDENTIAL_ACCESS,
	ESPY_TA_LATERAL_MOVEMENT,
	ESPY_TA_COLLECTION,
	ESPY_TA_EXFILTRATION,
	ESPY_TA_PERSISTENCE,
	ESPY_TA_DEFENSE_EVASION,
	ESPY_TA_COMMAND_AND_CONTROL,
	ESPY_TA_EXECUTION,
	ESPY_TA_PRIVILEGE_ESCALATION,
	ESPY_TA_NR,
};

enum espy_tech {
	/* discovery */
	ESPY_T_SYSINFO,		/* T1082 */
	ESPY_T_OWNER,		/* T1033 */
	ESPY_T_ACCOUNT,		/* T1087 */
	ESPY_T_PROCESS,		/* T1057 */
	ESPY_T_NETCONN,		/* T1049 */
	ESPY_T_NETCONF,		/* T1016 */
	ESPY_T_REMOTESYS,	/* T1018 */
	ESPY_T_NETSCAN,		/* T1046 */
	ESPY_T_FILEDISC,	/* T1083 */
	/* credential access */
	ESPY_T_SHADOW,		/* T1003.008 */
	ESPY_T_PRIVKEY,		/* T1552.004 */
	ESPY_T_HISTORY,		/* T1552.003 */
	ESPY_T_PROCMEM,		/* T1003.007 */
	ESPY_T_SNIFF,		/* T1040 */
	/* lateral movement */
	ESPY_T_SSH_LATERAL,	/* T1021.004 */
	ESPY_T_LATERAL_XFER,	/* T1570 */
	ESPY_T_TOOL_XFER,	/* T1105 */
	/* collection */
	ESPY_T_ARCHIVE,		/* T1560.001 */
	ESPY_T_STAGING,		/* T1074 */
	/* exfiltration */
	ESPY_T_EXFIL,		/* T1048 */
	ESPY_T_DNS_EXFIL,	/* T1048.003 */
	/* persistence */
	ESPY_T_AUTHKEYS,	/* T1098.004 */
	ESPY_T_CRON,		/* T1053.003 */
	ESPY_T_SYSTEMD,		/* T1543.002 */
	ESPY_T_SHELLRC,		/* T1546.004 */
	ESPY_T_NEWUSER,		/* T1136.001 */
	ESPY_T_LDPRELOAD,	/* T1574.006 */
	ESPY_T_KMOD,		/* T1547.006 */
	ESPY_T_PAM,		/* T1556.003 */
	/* defense evasion */
	ESPY_T_CLEAR_HISTORY,	/* T1070.003 */
	ESPY_T_CLEAR_LOGS,	/* T1070.002 */
	ESPY_T_TIMESTOMP,	/* T1070.006 */
	ESPY_T_FILELESS,	/* T1620 */
	ESPY_T_PTRACE,		/* T1055.008 */
	ESPY_T_SETUID,		/* T1548.001 */
	ESPY_T_SUDOERS,		/* T1548.003 */
	ESPY_T_IMPAIR,		/* T1562.001: tampering with espy */
	ESPY_T_BPF,		/* T1014: bpf program loaded by another process */
	/* command and control, execution */
	ESPY_T_REVSHELL,	/* T1059.004 */
	ESPY_T_PROXY,		/* T1090 */
	ESPY_T_TUNNEL,		/* T1572 */
	ESPY_T_NR,
};

struct espy_tech_info {
	struct espy_technique t;	/* id, name, tactic name */
	enum espy_tactic tactic;
	double weight;			/* base weight, 0..100 */
};

extern const struct espy_tech_info espy_techs[ESPY_T_NR];
extern const char *const espy_tactic_names[ESPY_TA_NR];

/* Index of an ATT&CK id ("T1003.008"), or -1. */
int espy_tech_find(const char *id);

/*
 * One detector finding.  variant tells apart forms of a technique that the
 * baseline must not confuse: ssh to a neighbour is routine, ssh with a key
 * lifted into /tmp is not, even from the same program.
 */
struct espy_hit {
	int16_t tech;			/* enum espy_tech */
	int16_t variant;
	float weight;			/* base weight after detector modifiers */
	char why[96];			/* "open /etc/shadow" */
};

#define ESPY_MAX_HITS	6

struct espy_hits {
	int n;
	struct espy_hit h[ESPY_MAX_HITS];
};

/* Add a hit (keeps the highest weight per technique; drops beyond max). */
void espy_hits_add(struct espy_hits *hs, int tech, double weight,
		   const char *fmt, ...) __attribute__((format(printf, 4, 5)));
void espy_hits_addv(struct espy_hits *hs, int tech, int variant, double weight,
		    const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* Variants (struct espy_hit.variant). */
#define ESPY_V_PLAIN		0
#define ESPY_V_ODD_KEY		1	/* key material from a writable dir */
#define ESPY_V_BURST		2	/* many kinds of discovery at once */
#define ESPY_V_HOP		3	/* opened by a linked, watched session */
#define ESPY_V_SENSITIVE	4	/* archive of keys, shadow, homes */
#define ESPY_V_SUID_SEARCH	5

#endif /* ESPY_DETECTORS_H */
