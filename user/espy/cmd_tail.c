/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * espy tail: follow events live from espyd's control socket (filtered in
 * espyd), or from an event log file like `tail -F` (filtered here, with
 * the same filter code).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include <json-c/json.h>

#include "cmds.h"
#include "ctl.h"
#include "ctl_client.h"
#include "filter.h"
#include "jpath.h"
#include "tailfmt.h"

#define FOLLOW_POLL_US	200000	/* how often a quiet log file is re-checked */
#define LINE_MAX_BYTES	(1 << 20)

struct tail {
	struct espy_filter filter;
	int json;
	int color;
	long count;		/* stop after this many events; 0: never */
	long shown;
	char *fmt;
	size_t fmtlen;
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	stop = 1;
}

static void usage(FILE *f)
{
	fprintf(f,
"Usage: espy tail [OPTIONS]\n"
"Follow espy events: live from espyd, or from an event log file.\n"
"\n"
"  -f, --file FILE        follow FILE (JSON Lines, e.g. /var/log/espy/events.json)\n"
"                         like tail -F: survives rotation and truncation\n"
"      --from-start       with --file: show the file from its beginning first\n"
"  -j, --json             print the events as JSON lines (for jq, scripts)\n"
"      --min-score N      only events scoring at least N (0-100)\n"
"      --severity S       only events of severity S or above:\n"
"                         low, medium, high, critical\n"
"      --technique T      only events tagged with ATT&CK technique T or a\n"
"                         sub-technique of it (T1003 matches T1003.008)\n"
"      --pid PID          only events of process PID\n"
"      --host NAME        only events from host NAME\n"
"  -a, --alerts           only alerts\n"
"  -n, --count N          exit after N events\n"
"      --color WHEN       always, never or auto (default: colour on a terminal\n"
"                         unless NO_COLOR is set)\n"
"  -s, --socket PATH      espyd's control socket (default /run/espy/espyd.sock,\n"
"                         or $ESPY_SOCKET)\n"
"  -h, --help             show this help\n"
"\n"
"Exit status: 0 on --count reached or interrupted, 1 failure, 2 usage error,\n"
"3 espyd not running, 4 permission denied, 5 espyd stopped (the stream\n"
"ended cleanly: every event it had for this client was shown), 6 the\n"
"stream was cut off (espyd dropped this client for reading too slowly, or\n"
"the connection broke: reset, ended mid-event or without espyd's goodbye).\n");
}

/* One event line: filter (file mode), then print. 1 when --count is reached. */
static int emit(struct tail *t, char *line, size_t len, int filter_here)
{
	if (filter_here) {
		struct espy_filter_view v;
		void *hold;

		if (espy_filter_view_json(&v, line, len, &hold)) {
			fprintf(stderr, "espy tail: skipping a line that is not a JSON object\n");
			return 0;
		}
		if (!espy_filter_match(&t->filter, &v)) {
			espy_filter_view_release(hold);
			return 0;
		}
		espy_filter_view_release(hold);
	}
	if (t->json) {
		fwrite(line, 1, len, stdout);
		fputc('\n', stdout);
	} else {
		espy_tail_format(line, len, t->color, t->fmt, t->fmtlen);
		fputs(t->fmt, stdout);
		fputc('\n', stdout);
	}
	fflush(stdout);
	t->shown++;
	return t->count && t->shown >= t->count;
}

/*
 * espyd's own lines on the stream: replies, and the last line it sends
 * before it closes the connection.  Returns -1 to read on, or the exit
 * code when the stream is over; *stopping is set by espyd's goodbye.
 */
static int control_line(const char *line, long n, int *stopping)
{
	struct json_object *r = NULL;
	const char *closing, *why;
	int rc = -1;

	if (!strncmp(line, "{\"ok\":true", 10) && !strstr(line, "\"closing\""))
		return -1;	/* the reply to our subscribe */
	espy_jparse_object(line, n, &r);
	closing = espy_jpath_str(r, "closing");
	why = espy_jpath_str(r, "error");
	if (closing && !strcmp(closing, ESPY_CTL_STOPPING)) {
		*stopping = 1;
	} else if (closing) {
		fprintf(stderr, "espy tail: espyd cut this client off: %s\n",
			why ? why : line);
		rc = ESPY_EXIT_CUT;
	} else if (strncmp(line, "{\"ok\":true", 10)) {
		fprintf(stderr, "espy tail: espyd: %s\n", why ? why : line);
	}
	json_object_put(r);
	return rc;
}

/* How the stream ended (err: what reading it last returned). */
static int stream_end(long err, int stopping)
{
	if (stopping && (err == -EPIPE || err == -ECONNRESET)) {
		fprintf(stderr, "espy tail: espyd stopped\n");
		return ESPY_EXIT_EOF;
	}
	if (err == -EPIPE || err == -ECONNRESET) {
		fprintf(stderr, "espy tail: the stream from espyd broke off (%s) "
			"without espyd saying it was stopping: events may be missing\n",
			err == -EPIPE ? "end of stream" : "connection reset");
		return ESPY_EXIT_CUT;
	}
	fprintf(stderr, "espy tail: %s\n", strerror(-err));
	return espy_cli_exit_code(err);
}

static int tail_live(struct tail *t, const char *sock)
{
	struct espy_lines l;
	char text[600], cmd[640], *line;
	int rc, stopping = 0;
	long n;

	espy_filter_format(&t->filter, text, sizeof(text));
	snprintf(cmd, sizeof(cmd), "subscribe%s%s", *text ? " " : "", text);
	rc = espy_cli_request(&l, "espy tail", sock, cmd, LINE_MAX_BYTES, &line, 0);
	if (rc)
		return rc;
	for (;;) {
		n = espy_lines_next(&l, &line, -1);
		if (stop) {
			rc = ESPY_EXIT_OK;
			break;
		}
		if (n == -EINTR)
			continue;
		if (n < 0) {
			rc = stream_end(n, stopping);
			break;
		}
		if (l.partial) {
			/* never print half an event */
			fprintf(stderr, "espy tail: the stream from espyd was cut off "
				"in the middle of an event (%ld bytes of it dropped)\n", n);
			rc = ESPY_EXIT_CUT;
			break;
		}
		/* espyd's own lines lead with "ok"; events never do */
		if (!strncmp(line, "{\"ok\":", 6)) {
			rc = control_line(line, n, &stopping);
			if (rc >= 0)
				break;
			continue;
		}
		if (emit(t, line, n, 0)) {
			rc = ESPY_EXIT_OK;
			break;
		}
	}
	espy_cli_hangup(&l);
	return rc;
}

/* ---- following a file ---- */

struct follow {
	const char *path;
	int fd;
	dev_t dev;
	ino_t ino;
	off_t off;
	char *buf;
	size_t len, cap;
};

static int follow_open(struct follow *f, int at_end)
{
	struct stat st;
	int fd = open(f->path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st)) {
		close(fd);
		return -errno;
	}
	if (f->fd >= 0)
		close(f->fd);
	f->fd = fd;
	f->dev = st.st_dev;
	f->ino = st.st_ino;
	f->off = at_end ? st.st_size : 0;
	lseek(fd, f->off, SEEK_SET);
	f->len = 0;
	return 0;
}

/* Print every complete line now in the file; returns 1 when --count hit. */
static int follow_read(struct tail *t, struct follow *f)
{
	for (;;) {
		ssize_t r;
		size_t start = 0;

		if (f->cap - f->len < 65536) {
			size_t cap = f->cap ? f->cap * 2 : 1 << 17;
			char *nb;

			if (cap > 2 * LINE_MAX_BYTES) {
				/* a "line" this long is not ours: drop it */
				fprintf(stderr, "espy tail: %s: skipping a line over %d bytes\n",
					f->path, LINE_MAX_BYTES);
				f->len = 0;
				continue;
			}
			nb = realloc(f->buf, cap);
			if (!nb)
				return -ENOMEM;
			f->buf = nb;
			f->cap = cap;
		}
		r = read(f->fd, f->buf + f->len, f->cap - f->len);
		if (r <= 0)
			return 0;
		f->off += r;
		f->len += r;
		for (size_t i = 0; i < f->len; i++) {
			if (f->buf[i] != '\n')
				continue;
			f->buf[i] = '\0';
			if (i > start && emit(t, f->buf + start, i - start, 1))
				return 1;
			start = i + 1;
		}
		memmove(f->buf, f->buf + start, f->len - start);
		f->len -= start;
	}
}

static int tail_file(struct tail *t, const char *path, int from_start)
{
	struct follow f = { .path = path, .fd = -1 };
	int r, waiting = 0, rc = ESPY_EXIT_OK;

	r = follow_open(&f, !from_start);
	if (r == -ENOENT) {
		fprintf(stderr, "espy tail: %s does not exist yet; waiting for it\n", path);
		waiting = 1;
	} else if (r) {
		fprintf(stderr, "espy tail: cannot open %s: %s\n", path, strerror(-r));
		return r == -EACCES ? ESPY_EXIT_DENIED : ESPY_EXIT_FAIL;
	}
	while (!stop) {
		struct stat st;

		if (f.fd >= 0) {
			r = follow_read(t, &f);
			if (r) {
				rc = r < 0 ? ESPY_EXIT_FAIL : ESPY_EXIT_OK;
				break;
			}
		}
		/* rotated (new file at the path) or truncated in place */
		if (stat(path, &st) == 0) {
			if (f.fd < 0 || st.st_ino != f.ino || st.st_dev != f.dev) {
				if (f.fd >= 0) {
					follow_read(t, &f);	/* the old file's last lines */
					fprintf(stderr, "espy tail: %s was replaced; following the new file\n",
						path);
				} else if (waiting) {
					fprintf(stderr, "espy tail: %s appeared\n", path);
				}
				waiting = 0;
				if (follow_open(&f, 0) == 0)
					continue;
			} else if (st.st_size < f.off) {
				fprintf(stderr, "espy tail: %s was truncated\n", path);
				follow_open(&f, 0);
				continue;
			}
		}
		usleep(FOLLOW_POLL_US);
	}
	if (f.fd >= 0)
		close(f.fd);
	free(f.buf);
	return rc;
}

int cmd_tail(int argc, char **argv)
{
	enum { O_FROM_START = 256, O_MIN_SCORE, O_SEVERITY, O_TECHNIQUE, O_PID,
	       O_HOST, O_COLOR };
	static const struct option opts[] = {
		{ "file", required_argument, NULL, 'f' },
		{ "from-start", no_argument, NULL, O_FROM_START },
		{ "json", no_argument, NULL, 'j' },
		{ "min-score", required_argument, NULL, O_MIN_SCORE },
		{ "severity", required_argument, NULL, O_SEVERITY },
		{ "technique", required_argument, NULL, O_TECHNIQUE },
		{ "pid", required_argument, NULL, O_PID },
		{ "host", required_argument, NULL, O_HOST },
		{ "alerts", no_argument, NULL, 'a' },
		{ "count", required_argument, NULL, 'n' },
		{ "color", required_argument, NULL, O_COLOR },
		{ "colour", required_argument, NULL, O_COLOR },
		{ "socket", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static const char *const keys[] = {
		[O_MIN_SCORE - O_MIN_SCORE] = "min_score",
		[O_SEVERITY - O_MIN_SCORE] = "severity",
		[O_TECHNIQUE - O_MIN_SCORE] = "technique",
		[O_PID - O_MIN_SCORE] = "pid",
		[O_HOST - O_MIN_SCORE] = "host",
	};
	struct tail t = { .fmtlen = 65536 };
	struct sigaction sa = { .sa_handler = on_signal };
	const char *file = NULL, *sock = NULL, *color = "auto";
	char why[256], *end;
	int c, from_start = 0, rc;

	espy_filter_init(&t.filter);
	optind = 1;
	while ((c = getopt_long(argc, argv, "f:jan:s:h", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			file = optarg;
			break;
		case O_FROM_START:
			from_start = 1;
			break;
		case 'j':
			t.json = 1;
			break;
		case O_MIN_SCORE:
		case O_SEVERITY:
		case O_TECHNIQUE:
		case O_PID:
		case O_HOST:
			if (espy_filter_set(&t.filter, keys[c - O_MIN_SCORE], optarg,
					    why, sizeof(why))) {
				fprintf(stderr, "espy tail: --%s\n", why);
				return ESPY_EXIT_USAGE;
			}
			break;
		case 'a':
			t.filter.alerts_only = 1;
			break;
		case 'n':
			errno = 0;
			t.count = strtol(optarg, &end, 10);
			if (errno || *end || t.count <= 0) {
				fprintf(stderr, "espy tail: --count: expected a positive number, not '%s'\n",
					optarg);
				return ESPY_EXIT_USAGE;
			}
			break;
		case O_COLOR:
			if (strcmp(optarg, "always") && strcmp(optarg, "never") &&
			    strcmp(optarg, "auto")) {
				fprintf(stderr, "espy tail: --color: expected always, never or auto\n");
				return ESPY_EXIT_USAGE;
			}
			color = optarg;
			break;
		case 's':
			sock = optarg;
			break;
		case 'h':
		default:
			return espy_cli_usage(usage, c == 'h');
		}
	}
	rc = espy_cli_no_more_args("espy tail", argc, argv);
	if (rc)
		return rc;
	if (from_start && !file) {
		fprintf(stderr, "espy tail: --from-start needs --file\n");
		return ESPY_EXIT_USAGE;
	}
	if (!strcmp(color, "always"))
		t.color = 1;
	else if (!strcmp(color, "auto"))
		t.color = isatty(STDOUT_FILENO) && !(getenv("NO_COLOR") && *getenv("NO_COLOR"));
	t.fmt = malloc(t.fmtlen);
	if (!t.fmt)
		return ESPY_EXIT_FAIL;
	/* interrupted is a normal way to stop following */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	rc = file ? tail_file(&t, file, from_start)
		  : tail_live(&t, espy_cli_socket(sock));
	free(t.fmt);
	return rc;
}
