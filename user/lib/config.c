/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Configuration file parser on top of inih.  inih splits lines into
 * section/key/value; everything else (which keys exist, what their values
 * may be, duplicates, line numbers) is decided here from one key table.
 *
 * inih does not hand the line number to the handler (Debian builds it
 * without INI_HANDLER_LINENO), so the parser feeds inih through its own
 * reader and counts lines there: inih calls the handler for a line before
 * it asks for the next one.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <ini.h>

#include "config.h"
#include "detect.h"
#include "event.h"

enum key_type {
	K_ENUM, K_PATH, K_INT, K_BOOL, K_TRI, K_DURATION, K_SIZE, K_MODE,
	K_GROUP, K_LISTEN, K_SYSLOG_TARGET, K_SEVERITY, K_FACILITY, K_REAL,
};

struct key {
	const char *section;
	const char *name;
	enum key_type type;
	size_t off;
	size_t size;		/* of the field: strings, 4- or 8-byte numbers */
	int64_t min, max;	/* K_INT, K_SIZE, K_DURATION, K_REAL */
	const char *const *names;	/* K_ENUM, NULL-terminated */
	bool empty_ok;		/* K_PATH, K_SYSLOG_TARGET */
};

static const char *const driver_names[] = { "auto", "bpf", "kmod", NULL };
static const char *const mode_names[] = { "auto", "learn", "detect", NULL };
static const char *const sev_names[] = {
	"none", "low", "medium", "high", "critical", NULL
};
static const char *const facility_names[] = {
	"kern", "user", "mail", "daemon", "auth", "syslog", "lpr", "news",
	"uucp", "cron", "authpriv", "ftp", "ntp", "security", "console",
	"solaris-cron", "local0", "local1", "local2", "local3", "local4",
	"local5", "local6", "local7", NULL
};

#define F(sec, nm, t, field) .section = sec, .name = nm, .type = t, \
	.off = offsetof(struct espy_config, field), \
	.size = sizeof(((struct espy_config *)0)->field)

static const struct key keys[] = {
	{ F("daemon", "driver", K_ENUM, driver), .names = driver_names },
	{ F("daemon", "state_dir", K_PATH, state_dir) },
	{ F("detection", "mode", K_ENUM, mode), .names = mode_names },
	{ F("detection", "learn_period", K_DURATION, learn_period_s),
	  .min = 0, .max = 366LL * 86400 },
	{ F("detection", "alert_score", K_REAL, detect.alert_score),
	  .min = 1, .max = 100 },
	{ F("detection", "chain_min", K_INT, detect.chain_min),
	  .min = 1, .max = 14 },
	{ F("detection", "tactic_min", K_REAL, detect.tactic_min),
	  .min = 1, .max = 100 },
	{ F("detection", "critical_event", K_REAL, detect.critical_event),
	  .min = 1, .max = 100 },
	{ F("detection", "suspicious", K_REAL, detect.suspicious),
	  .min = 1, .max = 100 },
	{ F("detection", "min_learned", K_REAL, detect.min_learned),
	  .min = 1, .max = 1000000000 },
	{ F("detection", "detect_rate", K_REAL, detect.detect_rate),
	  .min = 0, .max = 1 },
	{ F("detection", "tactic_half_life", K_DURATION, detect.tactic_half_life_s),
	  .min = 60, .max = 30LL * 86400 },
	{ F("detection", "max_processes", K_INT, detect.max_procs),
	  .min = 256, .max = 1 << 22 },
	{ F("detection", "max_sessions", K_INT, detect.max_sessions),
	  .min = 64, .max = 1 << 20 },
	{ F("detection", "session_idle", K_DURATION, detect.session_idle_s),
	  .min = 60, .max = 30LL * 86400 },
	{ F("detection", "baseline_entries", K_INT, detect.baseline_entries),
	  .min = 1024, .max = 1 << 24 },
	{ F("detection", "baseline_half_life", K_DURATION,
	    detect.baseline_half_life_s), .min = 3600, .max = 366LL * 86400 },
	{ F("detection", "fanout_window", K_DURATION, detect.fanout_window_s),
	  .min = 1, .max = 86400 },
	/* the detectors' per-process tables hold 16 hosts, 32 host:ports */
	{ F("detection", "fanout_hosts", K_INT, detect.fanout_hosts),
	  .min = 2, .max = 16 },
	{ F("detection", "fanout_ports", K_INT, detect.fanout_ports),
	  .min = 2, .max = 32 },
	{ F("detection", "discovery_window", K_DURATION,
	    detect.discovery_window_s), .min = 1, .max = 86400 },
	{ F("detection", "discovery_burst", K_INT, detect.discovery_burst),
	  .min = 2, .max = 32 },
	{ F("detection", "exfil_bytes", K_SIZE, detect.exfil_bytes),
	  .min = 4096, .max = 1LL << 40 },
	{ F("detection", "hop_ttl", K_DURATION, detect.hop_ttl_s),
	  .min = 1, .max = 3600 },
	{ F("log", "file", K_PATH, log_file), .empty_ok = true },
	{ F("log", "min_score", K_INT, log_min_score), .min = 0, .max = 100 },
	{ F("log", "min_severity", K_SEVERITY, log_min_severity) },
	{ F("log", "stdout", K_TRI, log_stdout) },
	{ F("syslog", "enabled", K_BOOL, syslog_enabled) },
	{ F("syslog", "target", K_SYSLOG_TARGET, syslog_target) },
	{ F("syslog", "facility", K_FACILITY, syslog_facility) },
	{ F("syslog", "min_score", K_INT, syslog_min_score), .min = 0, .max = 100 },
	{ F("syslog", "min_severity", K_SEVERITY, syslog_min_severity) },
	{ F("control", "socket", K_PATH, ctl_socket), .empty_ok = true },
	{ F("control", "mode", K_MODE, ctl_mode) },
	{ F("control", "group", K_GROUP, ctl_group) },
	{ F("control", "max_clients", K_INT, ctl_max_clients), .min = 1, .max = 1024 },
	{ F("control", "client_buffer", K_SIZE, ctl_client_buffer),
	  .min = 4096, .max = 1LL << 30 },
	{ F("metrics", "listen", K_LISTEN, metrics) },
};
#define NKEYS ((int)(sizeof(keys) / sizeof(keys[0])))
_Static_assert(sizeof(keys) / sizeof(keys[0]) <= 64, "seen bitmap is 64 bits");

/*
 * Each tunable of [detection] with its espy_detect_config field: the one
 * place the two are paired, for the defaults and for the engine.
 */
#define DETECT_TUNABLES(X)						\
	X(alert_score, alert_score)					\
	X(chain_min, chain_min)						\
	X(tactic_min, tactic_min)					\
	X(critical_event, critical_event)				\
	X(suspicious, suspicious)					\
	X(min_learned, min_learned)					\
	X(detect_rate, detect_rate)					\
	X(tactic_half_life_s, tactic_half_life_s)			\
	X(max_procs, max_procs)						\
	X(max_sessions, max_sessions)					\
	X(session_idle_s, session_idle_s)				\
	X(baseline_entries, baseline.entries)				\
	X(baseline_half_life_s, baseline.half_life_s)			\
	X(fanout_window_s, fanout_window_s)				\
	X(fanout_hosts, fanout_hosts)					\
	X(fanout_ports, fanout_ports)					\
	X(discovery_window_s, discovery_window_s)			\
	X(discovery_burst, discovery_burst)				\
	X(exfil_bytes, exfil_bytes)					\
	X(hop_ttl_s, hop_ttl_s)

void espy_config_detect(const struct espy_config *c,
			struct espy_detect_config *out)
{
	espy_detect_config_default(out);
	out->mode = c->mode;
	out->learn_period_s = c->learn_period_s;
#define TO_DETECT(t, d)	out->d = c->detect.t;
	DETECT_TUNABLES(TO_DETECT)
#undef TO_DETECT
}

static void detect_defaults(struct espy_detect_tuning *t)
{
	struct espy_detect_config d;

	espy_detect_config_default(&d);
#define FROM_DETECT(tf, df)	t->tf = d.df;
	DETECT_TUNABLES(FROM_DETECT)
#undef FROM_DETECT
}

void espy_config_defaults(struct espy_config *c)
{
	memset(c, 0, sizeof(*c));
	c->driver = ESPY_DRIVER_AUTO;
	strcpy(c->state_dir, ESPY_STATE_DIR);
	c->mode = ESPY_MODE_AUTO;
	c->learn_period_s = 7 * 86400;
	detect_defaults(&c->detect);
	strcpy(c->log_file, ESPY_LOG_PATH);
	c->log_min_score = 0;
	c->log_min_severity = ESPY_SEV_NONE;
	c->log_stdout = ESPY_AUTO;
	c->syslog_enabled = 0;
	strcpy(c->syslog_target, "/dev/log");
	c->syslog_facility = 3;		/* daemon */
	c->syslog_min_score = 0;
	c->syslog_min_severity = ESPY_SEV_HIGH;
	strcpy(c->ctl_socket, ESPY_CTL_PATH);
	c->ctl_mode = 0600;
	c->ctl_group[0] = '\0';
	c->ctl_max_clients = 32;
	c->ctl_client_buffer = 4 << 20;
	c->metrics.enabled = 1;
	strcpy(c->metrics.host, "127.0.0.1");
	c->metrics.port = ESPY_METRICS_PORT;
}

/* ---- value parsers: 0 or -EINVAL, with a hint of what was expected ---- */

static int name_index(const char *const *names, const char *s)
{
	for (int i = 0; names[i]; i++)
		if (!strcmp(names[i], s))
			return i;
	return -EINVAL;
}

int espy_conf_parse_severity(const char *s)
{
	return name_index(sev_names, s);
}

const char *espy_conf_severity_name(int sev)
{
	if (sev < 0 || sev > ESPY_SEV_CRITICAL)
		return "unknown";
	return sev_names[sev];
}

int espy_conf_parse_facility(const char *s)
{
	return name_index(facility_names, s);
}

const char *espy_conf_driver_name(enum espy_driver d)
{
	return (unsigned int)d <= ESPY_DRIVER_KMOD ? driver_names[d] : "unknown";
}

const char *espy_conf_mode_name(enum espy_mode m)
{
	return (unsigned int)m <= ESPY_MODE_DETECT ? mode_names[m] : "unknown";
}

/* Unsigned decimal with an optional one-letter unit from units/mults. */
static int parse_scaled(const char *s, const char *units, const uint64_t *mults,
			uint64_t *out)
{
	char *end;
	uint64_t v, m = 1;

	if (!isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return -EINVAL;
	if (*end) {
		const char *u = strchr(units, *end);

		if (!u || end[1])
			return -EINVAL;
		m = mults[u - units];
	}
	if (v && m > UINT64_MAX / v)
		return -EINVAL;
	*out = v * m;
	return 0;
}

int espy_conf_parse_listen(const char *s, struct espy_listen *out)
{
	struct espy_listen l = { .enabled = 1 };
	const char *colon, *host = s;
	size_t hlen;
	unsigned char buf[16];
	char *end;
	unsigned long port;

	if (!strcmp(s, "off") || !strcmp(s, "no") || !*s) {
		memset(out, 0, sizeof(*out));
		return 0;
	}
	if (*s == '[') {
		const char *rb = strchr(s, ']');

		if (!rb || rb[1] != ':')
			return -EINVAL;
		host = s + 1;
		hlen = rb - host;
		colon = rb + 1;
	} else {
		colon = strrchr(s, ':');
		if (!colon || memchr(s, ':', colon - s))
			return -EINVAL;
		hlen = colon - s;
	}
	if (hlen == 0 || hlen >= sizeof(l.host))
		return -EINVAL;
	memcpy(l.host, host, hlen);
	l.host[hlen] = '\0';
	if (inet_pton(AF_INET, l.host, buf) != 1 &&
	    inet_pton(AF_INET6, l.host, buf) != 1)
		return -EINVAL;
	if (!isdigit((unsigned char)colon[1]))
		return -EINVAL;
	errno = 0;
	port = strtoul(colon + 1, &end, 10);
	if (errno || *end || port == 0 || port > 65535)
		return -EINVAL;
	l.port = port;
	*out = l;
	return 0;
}

int espy_listen_sockaddr(const struct espy_listen *l,
			 struct sockaddr_storage *ss)
{
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;

	memset(ss, 0, sizeof(*ss));
	if (strchr(l->host, ':')) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(l->port);
		if (inet_pton(AF_INET6, l->host, &s6->sin6_addr) != 1)
			return -EINVAL;
		return sizeof(*s6);
	}
	s4->sin_family = AF_INET;
	s4->sin_port = htons(l->port);
	if (inet_pton(AF_INET, l->host, &s4->sin_addr) != 1)
		return -EINVAL;
	return sizeof(*s4);
}

static int check_syslog_target(const char *s)
{
	struct espy_listen l;

	if (*s == '/')
		return 0;
	if (!strncmp(s, "unix:", 5))
		return s[5] == '/' ? 0 : -EINVAL;
	/* udp:HOST:PORT, HOST numeric (no resolver in the daemon) */
	if (!strncmp(s, "udp:", 4))
		return espy_conf_parse_listen(s + 4, &l) || !l.enabled ? -EINVAL : 0;
	return -EINVAL;
}

static int parse_bool(const char *s)
{
	static const char *const yes[] = { "yes", "true", "on", "1", NULL };
	static const char *const no[] = { "no", "false", "off", "0", NULL };

	if (name_index(yes, s) >= 0)
		return 1;
	if (name_index(no, s) >= 0)
		return 0;
	return -EINVAL;
}

static bool valid_group(const char *s)
{
	if (!*s)
		return true;
	if (!(islower((unsigned char)*s) || *s == '_'))
		return false;
	for (s++; *s; s++)
		if (!(islower((unsigned char)*s) || isdigit((unsigned char)*s) ||
		      *s == '_' || *s == '-'))
			return false;
	return true;
}

/* The parsers above return -EINVAL for a bad value (ESPY_AUTO is -1). */
static int set_int(char *p, int r)
{
	if (r == -EINVAL)
		return r;
	*(int *)p = r;
	return 0;
}

static int set_str(char *p, const struct key *k, const char *v, bool ok)
{
	if (!ok || strlen(v) >= k->size)
		return -EINVAL;
	strcpy(p, v);
	return 0;
}

static int set_scaled(char *p, const struct key *k, const char *v,
		      const char *units, const uint64_t *mults)
{
	uint64_t u;

	if (parse_scaled(v, units, mults, &u) || (int64_t)u < k->min ||
	    u > (uint64_t)k->max)
		return -EINVAL;
	if (k->size == sizeof(uint32_t))
		*(uint32_t *)p = u;
	else
		*(uint64_t *)p = u;
	return 0;
}

static uint64_t get_scaled(const char *p, const struct key *k)
{
	return k->size == sizeof(uint32_t) ? *(const uint32_t *)p :
					     *(const uint64_t *)p;
}

/*
 * Validate value for k and store it into c.  On error, why says what was
 * expected (it is written first, whatever the outcome) and -EINVAL is
 * returned.
 */
static int set_key(struct espy_config *c, const struct key *k, const char *v,
		   char *why, size_t whylen)
{
	static const uint64_t dur_mults[] = { 1, 60, 3600, 86400, 7 * 86400 };
	static const uint64_t size_mults[] = { 1024, 1 << 20, 1 << 30 };
	char *p = (char *)c + k->off, *end;
	long long x;
	size_t n;

	switch (k->type) {
	case K_ENUM:
		n = snprintf(why, whylen, "expected one of:");
		for (int i = 0; k->names[i] && n < whylen; i++)
			n += snprintf(why + n, whylen - n, " %s", k->names[i]);
		return set_int(p, name_index(k->names, v));
	case K_PATH:
		if (!*v && k->empty_ok) {
			*p = '\0';
			return 0;
		}
		snprintf(why, whylen, "expected an absolute path%s (at most %zu bytes)",
			 k->empty_ok ? " or nothing" : "", k->size - 1);
		return set_str(p, k, v, *v == '/');
	case K_INT:
		snprintf(why, whylen, "expected an integer from %" PRId64 " to %" PRId64,
			 k->min, k->max);
		errno = 0;
		x = strtoll(v, &end, 10);
		if (!*v || *end || errno || x < k->min || x > k->max)
			return -EINVAL;
		*(int *)p = (int)x;
		return 0;
	case K_REAL: {
		double dv;

		snprintf(why, whylen, "expected a number from %" PRId64 " to %" PRId64,
			 k->min, k->max);
		errno = 0;
		dv = strtod(v, &end);
		if (!*v || *end || errno || !(dv >= k->min && dv <= k->max))
			return -EINVAL;
		*(double *)p = dv;
		return 0;
	}
	case K_BOOL:
		snprintf(why, whylen, "expected yes or no");
		return set_int(p, parse_bool(v));
	case K_TRI:
		snprintf(why, whylen, "expected auto, yes or no");
		return set_int(p, !strcmp(v, "auto") ? ESPY_AUTO : parse_bool(v));
	case K_DURATION:
		snprintf(why, whylen,
			 "expected a duration such as 90s, 30m, 12h, 7d or 2w (at most %" PRId64 "d)",
			 k->max / 86400);
		return set_scaled(p, k, v, "smhdw", dur_mults);
	case K_SIZE:
		snprintf(why, whylen,
			 "expected a size such as 65536, 512K or 4M (from %" PRId64 " to %" PRId64 " bytes)",
			 k->min, k->max);
		return set_scaled(p, k, v, "KMG", size_mults);
	case K_MODE:
		snprintf(why, whylen, "expected octal permission bits such as 0600 or 0660");
		errno = 0;
		x = strtoll(v, &end, 8);
		if (*v != '0' || *end || errno || x < 0 || x > 0777)
			return -EINVAL;
		*(unsigned int *)p = x;
		return 0;
	case K_GROUP:
		snprintf(why, whylen, "expected a group name or nothing");
		return set_str(p, k, v, valid_group(v));
	case K_LISTEN:
		snprintf(why, whylen,
			 "expected ADDRESS:PORT with a numeric address (127.0.0.1:%d, [::1]:%d) or off",
			 ESPY_METRICS_PORT, ESPY_METRICS_PORT);
		return espy_conf_parse_listen(v, (struct espy_listen *)p) ? -EINVAL : 0;
	case K_SYSLOG_TARGET:
		snprintf(why, whylen,
			 "expected a socket path (/dev/log), unix:PATH or udp:ADDRESS:PORT");
		return set_str(p, k, v, !check_syslog_target(v));
	case K_SEVERITY:
		snprintf(why, whylen, "expected none, low, medium, high or critical");
		return set_int(p, espy_conf_parse_severity(v));
	case K_FACILITY:
		snprintf(why, whylen,
			 "expected a syslog facility such as daemon, auth or local0..local7");
		return set_int(p, espy_conf_parse_facility(v));
	}
	snprintf(why, whylen, "internal: unknown key type");
	return -EINVAL;
}

static const struct key *find_key(const char *section, const char *name)
{
	for (int i = 0; i < NKEYS; i++)
		if (!strcmp(keys[i].section, section) && !strcmp(keys[i].name, name))
			return &keys[i];
	return NULL;
}

static bool known_section(const char *section)
{
	for (int i = 0; i < NKEYS; i++)
		if (!strcmp(keys[i].section, section))
			return true;
	return false;
}

/* ---- the parse: reader, handler, error list ---------------------------- */

struct parse {
	struct espy_config cfg;		/* built here, copied out on success */
	const char *name;
	FILE *f;			/* either f ... */
	const char *text;		/* ... or text */
	int line;
	int nerr;
	int last_err_line;		/* errors reported on the current line */
	uint64_t seen;
	int key_line[64];		/* where each key was set (0: default) */
	char *err;
	size_t errlen, errused;
};

static void add_err(struct parse *ps, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void add_err(struct parse *ps, int line, const char *fmt, ...)
{
	va_list ap;
	int n;

	ps->nerr++;
	ps->last_err_line = line;
	if (!ps->err || ps->errused + 1 >= ps->errlen)
		return;
	if (line > 0)
		n = snprintf(ps->err + ps->errused, ps->errlen - ps->errused,
			     "%s:%d: ", ps->name, line);
	else
		n = snprintf(ps->err + ps->errused, ps->errlen - ps->errused,
			     "%s: ", ps->name);
	if (n > 0 && (size_t)n < ps->errlen - ps->errused)
		ps->errused += n;
	va_start(ap, fmt);
	n = vsnprintf(ps->err + ps->errused, ps->errlen - ps->errused, fmt, ap);
	va_end(ap);
	if (n > 0)
		ps->errused += (size_t)n < ps->errlen - ps->errused ?
			       (size_t)n : ps->errlen - ps->errused - 1;
	if (ps->errused + 1 < ps->errlen) {
		ps->err[ps->errused++] = '\n';
		ps->err[ps->errused] = '\0';
	}
}

/* What inih will reject without calling the handler, said precisely. */
static void check_syntax(struct parse *ps, const char *line)
{
	const char *s = line;

	while (isspace((unsigned char)*s))
		s++;
	if (!*s || *s == '#' || *s == ';')
		return;
	if (*s == '[') {
		const char *rb = strchr(s, ']'), *t;
		char name[64];
		size_t n;

		if (!rb) {
			add_err(ps, ps->line, "section header without closing ']'");
			return;
		}
		for (t = rb + 1; isspace((unsigned char)*t); t++)
			;
		if (*t && *t != '#' && *t != ';') {
			add_err(ps, ps->line, "text after section header");
			return;
		}
		n = rb - s - 1;
		if (n >= sizeof(name))
			n = sizeof(name) - 1;
		memcpy(name, s + 1, n);
		name[n] = '\0';
		if (!known_section(name))
			add_err(ps, ps->line, "unknown section [%s]", name);
		return;
	}
	if (s != line) {
		add_err(ps, ps->line, "indented line (continuation lines are not supported)");
		return;
	}
	if (!strpbrk(s, "=:"))
		add_err(ps, ps->line, "expected 'key = value', '[section]' or a comment");
}

static char *reader(char *str, int num, void *stream)
{
	struct parse *ps = stream;
	size_t n = 0;
	int c = 0;
	bool overlong = false;

	if (num < 2)
		return NULL;
	for (;;) {
		if (ps->f) {
			c = getc(ps->f);
			if (c == EOF)
				break;
		} else {
			c = (unsigned char)*ps->text;
			if (!c)
				break;
			ps->text++;
		}
		if (c == '\0')
			c = 0x01;	/* a NUL would silently cut the line in inih */
		if (n + 2 < (size_t)num)
			str[n++] = c;
		else if (c != '\n')
			overlong = true;
		if (c == '\n')
			break;
	}
	if (n == 0 && c != '\n')
		return NULL;
	str[n] = '\0';
	ps->line++;
	ps->last_err_line = 0;
	if (overlong) {
		add_err(ps, ps->line, "line longer than %d bytes", num - 3);
		str[0] = '\0';
		return str;
	}
	for (size_t i = 0; i < n; i++) {
		unsigned char b = str[i];

		if ((b < 0x20 && b != '\t' && b != '\r' && b != '\n') || b == 0x7f) {
			add_err(ps, ps->line, "control character 0x%02x in line", b);
			str[0] = '\0';
			return str;
		}
	}
	check_syntax(ps, str);
	return str;
}

static int handler(void *user, const char *section, const char *name,
		   const char *value)
{
	struct parse *ps = user;
	const struct key *k;
	char why[160];
	int i;

	if (!*section) {
		add_err(ps, ps->line, "key '%s' outside of any [section]", name);
		return 0;
	}
	if (!known_section(section)) {
		/* said once, at the section header */
		ps->nerr++;
		return 0;
	}
	k = find_key(section, name);
	if (!k) {
		add_err(ps, ps->line, "unknown key '%s' in section [%s]", name, section);
		return 0;
	}
	i = k - keys;
	if (ps->seen & (1ULL << i)) {
		add_err(ps, ps->line, "duplicate key '%s' in section [%s]", name, section);
		return 0;
	}
	ps->seen |= 1ULL << i;
	ps->key_line[i] = ps->line;
	if (set_key(&ps->cfg, k, value, why, sizeof(why))) {
		add_err(ps, ps->line, "bad value '%s' for %s.%s: %s", value,
			section, name, why);
		return 0;
	}
	return 1;
}

static int line_of(const struct parse *ps, const char *section, const char *name)
{
	const struct key *k = find_key(section, name);

	return k ? ps->key_line[k - keys] : 0;
}

/* Checks across keys, after the whole file was read. */
static void check_whole(struct parse *ps)
{
	int mode_line = line_of(ps, "control", "mode");

	if (ps->cfg.ctl_group[0] && !(ps->cfg.ctl_mode & 0060))
		add_err(ps, mode_line ? mode_line : line_of(ps, "control", "group"),
			"control.group is set but control.mode %04o gives the group no access",
			ps->cfg.ctl_mode);
	if (ps->cfg.ctl_mode & 0007)
		add_err(ps, mode_line,
			"control.mode %04o gives other users access to the control socket",
			ps->cfg.ctl_mode);
}

static int run_parse(struct parse *ps, struct espy_config *c)
{
	int r;

	ini_allow_multiline = false;
	ps->cfg = *c;
	r = ini_parse_stream(reader, ps, handler, ps);
	if (r == -2) {
		add_err(ps, 0, "out of memory");
		return -ENOMEM;
	}
	if (r > 0 && r != ps->last_err_line && ps->nerr == 0)
		add_err(ps, r, "syntax error");
	if (ps->f && ferror(ps->f)) {
		add_err(ps, 0, "read error");
		return -EIO;
	}
	if (!ps->nerr)
		check_whole(ps);
	if (ps->nerr)
		return -EINVAL;
	*c = ps->cfg;
	return 0;
}

static struct parse *parse_new(const char *name, char *err, size_t errlen)
{
	struct parse *ps;

	if (err && errlen)
		err[0] = '\0';
	ps = calloc(1, sizeof(*ps));
	if (!ps)
		return NULL;
	ps->name = name;
	ps->err = err;
	ps->errlen = errlen;
	return ps;
}

int espy_config_load(struct espy_config *c, const char *path, int missing_ok,
		     char *err, size_t errlen)
{
	struct parse *ps = parse_new(path, err, errlen);
	int r;

	if (!ps)
		return -ENOMEM;
	ps->f = fopen(path, "re");
	if (!ps->f) {
		r = -errno;
		if (r == -ENOENT && missing_ok)
			r = 0;
		else
			add_err(ps, 0, "cannot open: %s", strerror(-r));
		free(ps);
		return r;
	}
	r = run_parse(ps, c);
	fclose(ps->f);
	free(ps);
	return r;
}

int espy_config_load_string(struct espy_config *c, const char *text,
			    const char *name, char *err, size_t errlen)
{
	struct parse *ps = parse_new(name, err, errlen);
	int r;

	if (!ps)
		return -ENOMEM;
	ps->text = text;
	r = run_parse(ps, c);
	free(ps);
	return r;
}

int espy_config_set(struct espy_config *c, const char *key, const char *value,
		    char *err, size_t errlen)
{
	char section[32], why[160];
	const char *dot = strchr(key, '.');
	const struct key *k;
	struct espy_config tmp = *c;

	if (!dot || (size_t)(dot - key) >= sizeof(section)) {
		snprintf(err, errlen, "bad key '%s': expected SECTION.KEY", key);
		return -EINVAL;
	}
	memcpy(section, key, dot - key);
	section[dot - key] = '\0';
	k = find_key(section, dot + 1);
	if (!k) {
		snprintf(err, errlen, "unknown key '%s'", key);
		return -EINVAL;
	}
	if (set_key(&tmp, k, value, why, sizeof(why))) {
		snprintf(err, errlen, "bad value '%s' for %s: %s", value, key, why);
		return -EINVAL;
	}
	*c = tmp;
	return 0;
}

static void write_value(const struct espy_config *c, const struct key *k, FILE *f)
{
	const char *p = (const char *)c + k->off;
	const struct espy_listen *l;
	uint64_t u;

	switch (k->type) {
	case K_ENUM:
		fputs(k->names[*(const int *)p], f);
		break;
	case K_PATH:
	case K_GROUP:
	case K_SYSLOG_TARGET:
		fputs(p, f);
		break;
	case K_INT:
		fprintf(f, "%d", *(const int *)p);
		break;
	case K_BOOL:
		fputs(*(const int *)p ? "yes" : "no", f);
		break;
	case K_TRI:
		fputs(*(const int *)p == ESPY_AUTO ? "auto" :
		      *(const int *)p ? "yes" : "no", f);
		break;
	case K_REAL: {
		double dv = *(const double *)p;
		char buf[32];

		/* the shortest form that reads back as the same number */
		snprintf(buf, sizeof(buf), "%.15g", dv);
		if (strtod(buf, NULL) != dv)
			snprintf(buf, sizeof(buf), "%.17g", dv);
		fputs(buf, f);
		break;
	}
	case K_DURATION:
		u = get_scaled(p, k);
		if (u && u % 86400 == 0)
			fprintf(f, "%" PRIu64 "d", u / 86400);
		else if (u && u % 3600 == 0)
			fprintf(f, "%" PRIu64 "h", u / 3600);
		else
			fprintf(f, "%" PRIu64 "s", u);
		break;
	case K_SIZE:
		u = get_scaled(p, k);
		if (u && u % (1 << 20) == 0)
			fprintf(f, "%" PRIu64 "M", u >> 20);
		else if (u && u % 1024 == 0)
			fprintf(f, "%" PRIu64 "K", u >> 10);
		else
			fprintf(f, "%" PRIu64, u);
		break;
	case K_MODE:
		fprintf(f, "%04o", *(const unsigned int *)p);
		break;
	case K_LISTEN:
		l = (const struct espy_listen *)p;
		if (!l->enabled)
			fputs("off", f);
		else if (strchr(l->host, ':'))
			fprintf(f, "[%s]:%u", l->host, l->port);
		else
			fprintf(f, "%s:%u", l->host, l->port);
		break;
	case K_SEVERITY:
		fputs(espy_conf_severity_name(*(const int *)p), f);
		break;
	case K_FACILITY:
		fputs(facility_names[*(const int *)p], f);
		break;
	}
}

int espy_config_write(const struct espy_config *c, FILE *f)
{
	const char *section = "";

	for (int i = 0; i < NKEYS; i++) {
		if (strcmp(section, keys[i].section)) {
			section = keys[i].section;
			fprintf(f, "%s[%s]\n", i ? "\n" : "", section);
		}
		fprintf(f, "%s = ", keys[i].name);
		write_value(c, &keys[i], f);
		fputc('\n', f);
	}
	return ferror(f) ? -EIO : 0;
}

int espy_config_nkeys(void)
{
	return NKEYS;
}

const char *espy_config_key_name(int i, char *buf, size_t len)
{
	if (i < 0 || i >= NKEYS)
		return NULL;
	snprintf(buf, len, "%s.%s", keys[i].section, keys[i].name);
	return buf;
}
