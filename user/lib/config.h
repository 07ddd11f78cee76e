/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * espyd's configuration: /etc/espy/espy.conf, INI syntax parsed by inih.
 * Every key has a built-in default, so no file is needed.  An unknown
 * section or key, a duplicate key, a bad value or a syntax error is an
 * error naming the file and line; a file with any error is refused as a
 * whole, so a running daemon keeps its previous configuration.
 */
#ifndef ESPY_CONFIG_H
#define ESPY_CONFIG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <limits.h>

#define ESPY_CONFIG_PATH	"/etc/espy/espy.conf"
#define ESPY_METRICS_PORT	9847
#define ESPY_CTL_PATH		"/run/espy/espyd.sock"
#define ESPY_LOG_PATH		"/var/log/espy/events.json"
#define ESPY_STATE_DIR		"/var/lib/espy"

enum espy_driver { ESPY_DRIVER_AUTO, ESPY_DRIVER_BPF, ESPY_DRIVER_KMOD };
enum espy_mode { ESPY_MODE_AUTO, ESPY_MODE_LEARN, ESPY_MODE_DETECT };
enum espy_tristate { ESPY_AUTO = -1, ESPY_NO = 0, ESPY_YES = 1 };

/* A host:port for the metrics listener; enabled == 0 when "off". */
struct espy_listen {
	int enabled;
	char host[64];		/* numeric IPv4/IPv6 address */
	uint16_t port;
};

/*
 * [detection] thresholds and table sizes: the fields of struct
 * espy_detect_config that an operator may tune (same types and units).
 */
struct espy_detect_tuning {
	double alert_score;		/* session score for a chain alert */
	int chain_min;			/* distinct tactics for a chain alert */
	double tactic_min;		/* a tactic counts in a chain from here */
	double critical_event;		/* one event this high alerts alone */
	double suspicious;		/* never learned from at or above */
	double min_learned;		/* observations before a kind is mature */
	double detect_rate;		/* baseline weight per event, detect mode */
	uint32_t tactic_half_life_s;
	uint32_t max_procs;
	uint32_t max_sessions;
	uint32_t session_idle_s;
	uint32_t baseline_entries;
	uint32_t baseline_half_life_s;
	uint32_t fanout_window_s;
	uint32_t fanout_hosts;
	uint32_t fanout_ports;
	uint32_t discovery_window_s;
	uint32_t discovery_burst;
	uint64_t exfil_bytes;
	uint32_t hop_ttl_s;
};

struct espy_detect_config;

struct espy_config {
	/* [daemon] */
	enum espy_driver driver;
	char state_dir[PATH_MAX];
	/* [detection] */
	enum espy_mode mode;
	uint64_t learn_period_s;
	struct espy_detect_tuning detect;
	/* [log] */
	char log_file[PATH_MAX];	/* "" = no log file */
	int log_min_score;		/* 0..100 */
	int log_min_severity;		/* enum espy_severity */
	int log_stdout;			/* enum espy_tristate; auto = foreground */
	/* [syslog] */
	int syslog_enabled;
	char syslog_target[PATH_MAX];	/* unix path, udp:HOST:PORT, unix:PATH */
	int syslog_facility;		/* 0..23 */
	int syslog_min_score;
	int syslog_min_severity;
	/* [control] */
	char ctl_socket[PATH_MAX];
	unsigned int ctl_mode;		/* permission bits of the socket */
	char ctl_group[64];		/* "" = root only */
	int ctl_max_clients;
	uint64_t ctl_client_buffer;	/* bytes queued before a client is cut off */
	/* [metrics] */
	struct espy_listen metrics;
};

/* The built-in defaults. */
void espy_config_defaults(struct espy_config *c);

/* The detection engine's configuration from c ([detection]). */
void espy_config_detect(const struct espy_config *c,
			struct espy_detect_config *out);

/*
 * Parse path over *c (which should hold defaults or a previous config).
 * On error *c is unchanged and err holds every problem found, one
 * "FILE:LINE: message" per line.  missing_ok: a file that does not exist
 * leaves the defaults in place and returns 0.
 * Returns 0, -ENOENT (file missing and !missing_ok), -EINVAL (errors), or
 * another -errno from opening/reading the file.
 */
int espy_config_load(struct espy_config *c, const char *path, int missing_ok,
		     char *err, size_t errlen);

/* Same for an in-memory text; name is used in messages. */
int espy_config_load_string(struct espy_config *c, const char *text,
			    const char *name, char *err, size_t errlen);

/*
 * Set one key, "section.key", with the same validation as the file: for
 * command-line overrides such as `espyd --metrics ADDR:PORT`.
 */
int espy_config_set(struct espy_config *c, const char *key, const char *value,
		    char *err, size_t errlen);

/* Write *c as a complete, valid configuration file. */
int espy_config_write(const struct espy_config *c, FILE *f);

/* Number of keys and the name of key i as "section.key", for tests/docs. */
int espy_config_nkeys(void);
const char *espy_config_key_name(int i, char *buf, size_t len);

/* Parsers shared with the CLI and the outputs. */
int espy_conf_parse_listen(const char *s, struct espy_listen *out);
struct sockaddr_storage;
/* l (a numeric address) as a socket address: its length, or -EINVAL. */
int espy_listen_sockaddr(const struct espy_listen *l,
			 struct sockaddr_storage *ss);
int espy_conf_parse_severity(const char *s);		/* enum espy_severity or -EINVAL */
const char *espy_conf_severity_name(int sev);
int espy_conf_parse_facility(const char *s);		/* 0..23 or -EINVAL */
const char *espy_conf_driver_name(enum espy_driver d);
const char *espy_conf_mode_name(enum espy_mode m);

#endif /* ESPY_CONFIG_H */
