/* SPDX-License-Identifier: GPL-2.0-only */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "feats.h"
#include "detectors.h"
#include "hash64.h"

const char *const espy_feat_names[ESPY_FEAT_NR] = {
	[ESPY_FEAT_PARENT_EXE] = "parent_exe",
	[ESPY_FEAT_USER_EXE] = "user_exe",
	[ESPY_FEAT_EXE_FILE] = "exe_file",
	[ESPY_FEAT_EXE_DSTCLASS] = "exe_dst_class",
	[ESPY_FEAT_EXE_DST] = "exe_dst",
	[ESPY_FEAT_LISTEN] = "listen",
	[ESPY_FEAT_INBOUND] = "inbound",
	[ESPY_FEAT_LOGIN] = "login",
	[ESPY_FEAT_FANOUT] = "fanout",
	[ESPY_FEAT_BYTES] = "bytes_out",
	[ESPY_FEAT_DNS] = "dns",
	[ESPY_FEAT_TECH] = "exe_technique",
	[ESPY_FEAT_LINEAGE_TECH] = "lineage_technique",
};

const char *const espy_dst_class_names[ESPY_DST_NR] = {
	[ESPY_DST_UNSPEC] = "unspecified",
	[ESPY_DST_LOOPBACK] = "loopback",
	[ESPY_DST_LINKLOCAL] = "link-local",
	[ESPY_DST_PRIVATE] = "internal",
	[ESPY_DST_MULTICAST] = "multicast",
	[ESPY_DST_PUBLIC] = "external",
	[ESPY_DST_UNIX] = "unix",
};

/* ---- strings -------------------------------------------------------- */

/*
 * a[0..n) == b[0..n), for the literal lengths below: gcc calls memcmp()
 * for these, dozens of times per path classified; inlined with a constant
 * n this is a few word compares.
 */
static inline __attribute__((always_inline)) int mem_eq(const char *a,
							 const char *b,
							 size_t n)
{
	uint64_t x, y;
	uint32_t u, v;

	while (n >= 8) {
		memcpy(&x, a, 8);
		memcpy(&y, b, 8);
		if (x != y)
			return 0;
		a += 8;
		b += 8;
		n -= 8;
	}
	if (n >= 4) {
		memcpy(&u, a, 4);
		memcpy(&v, b, 4);
		if (u != v)
			return 0;
		a += 4;
		b += 4;
		n -= 4;
	}
	while (n--)
		if (*a++ != *b++)
			return 0;
	return 1;
}

#define PFX(p, n, lit) ((n) >= sizeof(lit) - 1 && \
			mem_eq((p), (lit), sizeof(lit) - 1))
#define EQ(p, n, lit) ((n) == sizeof(lit) - 1 && \
		       mem_eq((p), (lit), sizeof(lit) - 1))
#define SFX(p, n, lit) ((n) >= sizeof(lit) - 1 && \
			mem_eq((p) + (n) - (sizeof(lit) - 1), (lit), sizeof(lit) - 1))

/*
 * memmem(s, n, "/.ssh/", 6) != NULL, without the library's setup cost:
 * paths have many slashes and few dots, so look for the dot.
 */
static int has_ssh_dir(const char *s, size_t n)
{
	const char *p = s + 1, *end = s + n;

	while (end - p >= 5 && (p = memchr(p, '.', end - p - 4))) {
		if (p[-1] == '/' && mem_eq(p + 1, "ssh/", 4))
			return 1;
		p++;
	}
	return 0;
}

const char *espy_basename(const char *p, size_t len, size_t *blen)
{
	const char *s = p + len;

	while (s > p && s[-1] != '/')
		s--;
	*blen = p + len - s;
	return s;
}

/*
 * Copy src to dst collapsing each run of digits into one '#', so that
 * versions, pids and counters do not make a class new.
 */
static size_t collapse_digits(char *dst, size_t dstsz, const char *src,
			      size_t n)
{
	size_t i, o = 0;

	for (i = 0; i < n && o + 1 < dstsz; i++) {
		if (src[i] >= '0' && src[i] <= '9') {
			if (o && dst[o - 1] == '#')
				continue;
			dst[o++] = '#';
		} else {
			dst[o++] = src[i];
		}
	}
	dst[o] = 0;
	return o;
}

/* ---- paths ---------------------------------------------------------- */

/* Constant strings with their lengths, so matching needs no strlen. */
struct lit {
	const char *s;
	size_t n;
};

#define L(x) { x, sizeof(x) - 1 }

static const struct lit archive_sfx[] = {
	L(".tar"), L(".tgz"), L(".tar.gz"), L(".gz"), L(".bz2"), L(".tbz"),
	L(".tbz2"), L(".xz"), L(".txz"), L(".zst"), L(".zip"), L(".7z"),
	L(".rar"), L(".cpio"), L(".lz4"),
};

static const struct lit history_names[] = {
	L(".bash_history"), L(".zsh_history"), L(".sh_history"), L(".history"),
	L(".python_history"), L(".mysql_history"), L(".psql_history"),
	L(".lesshst"), L(".viminfo"), L(".node_repl_history"),
	L(".sqlite_history"), L(".ash_history"),
};

static const struct lit rc_home[] = {
	L("~/.bashrc"), L("~/.bash_profile"), L("~/.bash_login"),
	L("~/.profile"), L("~/.zshrc"), L("~/.zprofile"), L("~/.bash_logout"),
	L("~/.zlogin"),
};

static int name_in(const char *b, size_t bl, const struct lit *set, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (set[i].n == bl && !memcmp(b, set[i].s, bl))
			return 1;
	return 0;
}

static int has_suffix_in(const char *p, size_t n, const struct lit *set,
			 int cnt)
{
	int i;

	/* the last byte first: most names end in none of the suffixes' */
	for (i = 0; i < cnt; i++)
		if (n > set[i].n && p[n - 1] == set[i].s[set[i].n - 1] &&
		    !memcmp(p + n - set[i].n, set[i].s, set[i].n))
			return 1;
	return 0;
}

/* Categories of a normalised path ("~" for the home directory). */
static uint32_t categorise(const char *s, size_t n, uint32_t *pid)
{
	uint32_t c = 0;
	const char *b;
	size_t bl;

	b = espy_basename(s, n, &bl);
	switch (s[0]) {
	case '/':
		break;
	case '~':
		c |= ESPY_PC_HOME;
		break;
	default:
		return 0;
	}
	if (s[0] == '~') {
		if (name_in(s, n, rc_home, sizeof(rc_home) / sizeof(rc_home[0])))
			c |= ESPY_PC_SHELLRC;
		if (PFX(s, n, "~/.config/systemd/user/"))
			c |= ESPY_PC_SYSTEMD;
	} else if (PFX(s, n, "/etc/")) {
		const char *e = s + 5;
		size_t en = n - 5;

		if (EQ(e, en, "shadow") || EQ(e, en, "gshadow") ||
		    EQ(e, en, "shadow-") || EQ(e, en, "gshadow-"))
			c |= ESPY_PC_SHADOW;
		else if (EQ(e, en, "passwd") || EQ(e, en, "group") ||
			 EQ(e, en, "passwd-") || EQ(e, en, "group-"))
			c |= ESPY_PC_PASSWD;
		else if (EQ(e, en, "ld.so.preload"))
			c |= ESPY_PC_LDPRELOAD;
		else if (EQ(e, en, "sudoers") || PFX(e, en, "sudoers.d/"))
			c |= ESPY_PC_SUDOERS;
		else if (PFX(e, en, "pam.d/") || EQ(e, en, "ssh/sshd_config") ||
			 PFX(e, en, "ssh/sshd_config.d/"))
			c |= ESPY_PC_PAM_AUTH;
		else if (EQ(e, en, "crontab") || PFX(e, en, "cron.") ||
			 PFX(e, en, "cron/"))
			c |= ESPY_PC_CRON;
		else if (PFX(e, en, "systemd/system/") ||
			 PFX(e, en, "systemd/user/"))
			c |= ESPY_PC_SYSTEMD;
		else if (EQ(e, en, "profile") || PFX(e, en, "profile.d/") ||
			 EQ(e, en, "bash.bashrc") || EQ(e, en, "environment") ||
			 EQ(e, en, "zsh/zshrc"))
			c |= ESPY_PC_SHELLRC;
		else if (EQ(e, en, "hosts"))
			c |= ESPY_PC_KNOWN_HOSTS;
		else if (PFX(e, en, "espy/"))
			c |= ESPY_PC_ESPY;
		else if (PFX(e, en, "ssh/ssh_host_") && !SFX(e, en, ".pub"))
			c |= ESPY_PC_SSH_KEY;
		else if (PFX(e, en, "ssl/private/"))
			c |= ESPY_PC_SSH_KEY;
	} else if (PFX(s, n, "/tmp/") || EQ(s, n, "/tmp") ||
		   PFX(s, n, "/var/tmp/") || PFX(s, n, "/dev/shm/") ||
		   PFX(s, n, "/run/shm/")) {
		c |= ESPY_PC_WRITABLE;
	} else if (PFX(s, n, "/var/log/")) {
		c |= ESPY_PC_LOG;
	} else if (PFX(s, n, "/var/spool/cron/")) {
		c |= ESPY_PC_CRON;
	} else if (PFX(s, n, "/var/lib/espy/") || EQ(s, n, "/var/lib/espy") ||
		   PFX(s, n, "/run/espy/") || SFX(s, n, "/sbin/espyd") ||
		   SFX(s, n, "/bin/espy")) {
		c |= ESPY_PC_ESPY;
	} else if (PFX(s, n, "/proc/")) {
		const char *q = s + 6;
		size_t qn = n - 6, i = 0;
		uint32_t v = 0;

		if (PFX(q, qn, "self/")) {
			i = 4;
		} else {
			while (i < qn && q[i] >= '0' && q[i] <= '9' && i < 10)
				v = v * 10 + (q[i++] - '0');
		}
		if (i && i < qn && q[i] == '/') {
			c |= ESPY_PC_PROC_OTHER;
			*pid = v;
			if (EQ(q + i, qn - i, "/mem"))
				c |= ESPY_PC_PROC_MEM;
		}
	} else if (PFX(s, n, "/lib/systemd/system/") ||
		   PFX(s, n, "/usr/lib/systemd/system/") ||
		   PFX(s, n, "/run/systemd/system/")) {
		c |= ESPY_PC_SYSTEMD;
	}
	if (PFX(s, n, "/bin/") || PFX(s, n, "/sbin/") ||
	    PFX(s, n, "/usr/bin/") || PFX(s, n, "/usr/sbin/") ||
	    PFX(s, n, "/usr/lib/") || PFX(s, n, "/lib/") ||
	    PFX(s, n, "/usr/local/bin/") || PFX(s, n, "/usr/local/sbin/") ||
	    PFX(s, n, "/usr/libexec/"))
		c |= ESPY_PC_SYSBIN;
	if (has_ssh_dir(s, n)) {
		c |= ESPY_PC_SSH_DIR;
		if (EQ(b, bl, "authorized_keys") || EQ(b, bl, "authorized_keys2"))
			c |= ESPY_PC_AUTHKEYS;
		else if (EQ(b, bl, "known_hosts"))
			c |= ESPY_PC_KNOWN_HOSTS;
		else if (PFX(b, bl, "id_") && !SFX(b, bl, ".pub"))
			c |= ESPY_PC_SSH_KEY;
	}
	if (bl && b[0] == '.' &&
	    name_in(b, bl, history_names,
		    sizeof(history_names) / sizeof(history_names[0])))
		c |= ESPY_PC_HISTORY;
	if (!(c & ESPY_PC_SYSBIN) && (SFX(b, bl, ".key") ||
	    ((c & (ESPY_PC_HOME | ESPY_PC_WRITABLE)) && SFX(b, bl, ".pem"))))
		c |= ESPY_PC_SSH_KEY;
	if (memchr(b, '.', bl) &&
	    has_suffix_in(b, bl, archive_sfx,
			  sizeof(archive_sfx) / sizeof(archive_sfx[0])))
		c |= ESPY_PC_ARCHIVE;
	return c;
}

#define PC_NAMED (ESPY_PC_SHADOW | ESPY_PC_PASSWD | ESPY_PC_SSH_KEY | \
		  ESPY_PC_HISTORY | ESPY_PC_AUTHKEYS | ESPY_PC_CRON | \
		  ESPY_PC_SYSTEMD | ESPY_PC_SHELLRC | ESPY_PC_LDPRELOAD | \
		  ESPY_PC_PROC_MEM | ESPY_PC_ESPY | ESPY_PC_SUDOERS | \
		  ESPY_PC_KNOWN_HOSTS | ESPY_PC_PAM_AUTH)

void espy_path_classify(const char *p, size_t len, struct espy_pathinfo *pi)
{
	char norm[512];
	size_t n = 0, i, depth;
	const char *rest = p;
	size_t restlen = len;

	pi->cat = 0;
	pi->proc_pid = 0;
	/* the home directory becomes "~" so classes are user-independent */
	if (PFX(p, len, "/home/")) {
		const char *s = memchr(p + 6, '/', len - 6);

		norm[n++] = '~';
		rest = s ? s : p + len;
		restlen = p + len - rest;
	} else if (PFX(p, len, "/root/") || EQ(p, len, "/root")) {
		norm[n++] = '~';
		rest = p + 5;
		restlen = len - 5;
	}
	if (restlen > sizeof(norm) - 1 - n)
		restlen = sizeof(norm) - 1 - n;
	memcpy(norm + n, rest, restlen);
	n += restlen;
	norm[n] = 0;
	pi->cat = categorise(norm, n, &pi->proc_pid);

	if (pi->cat & PC_NAMED) {
		/* a named file is its own class */
		if ((pi->cat & ESPY_PC_PROC_MEM))
			snprintf(pi->cls, sizeof(pi->cls), "/proc/#/mem");
		else
			snprintf(pi->cls, sizeof(pi->cls), "%.*s", (int)n, norm);
	} else if (pi->cat & ESPY_PC_WRITABLE) {
		const char *s = memchr(norm + 1, '/', n - 1);
		size_t l = s ? (size_t)(s - norm) : n;

		collapse_digits(pi->cls, sizeof(pi->cls), norm, l);
	} else if (pi->cat & ESPY_PC_PROC_OTHER) {
		const char *s = memchr(norm + 6, '/', n - 6);
		const char *e = s ? memchr(s + 1, '/', norm + n - s - 1) : NULL;
		size_t l = s ? (size_t)((e ? e : norm + n) - s) : 0;

		snprintf(pi->cls, sizeof(pi->cls), "/proc/#%.*s", (int)l, s);
	} else {
		/* the directory, at most three levels deep */
		const char *b;
		size_t bl, dl;

		b = espy_basename(norm, n, &bl);
		dl = b - norm;
		if (dl > 1)
			dl--;	/* drop the trailing slash */
		for (i = 1, depth = 0; i < dl; i++) {
			if (norm[i] == '/' && ++depth == 3) {
				dl = i;
				break;
			}
		}
		collapse_digits(pi->cls, sizeof(pi->cls), norm, dl);
	}
	pi->class_hash = espy_hash_str(pi->cls, 0x5041544843ULL);
}

/* ---- programs ------------------------------------------------------- */

#define D(x) ESPY_T_##x

static const struct espy_tool tools[] = {
	/* shells and interpreters */
	{ "sh", ESPY_TOOL_SHELL, -1 }, { "bash", ESPY_TOOL_SHELL, -1 },
	{ "dash", ESPY_TOOL_SHELL, -1 }, { "zsh", ESPY_TOOL_SHELL, -1 },
	{ "ksh", ESPY_TOOL_SHELL, -1 }, { "csh", ESPY_TOOL_SHELL, -1 },
	{ "tcsh", ESPY_TOOL_SHELL, -1 }, { "fish", ESPY_TOOL_SHELL, -1 },
	{ "ash", ESPY_TOOL_SHELL, -1 }, { "rbash", ESPY_TOOL_SHELL, -1 },
	{ "python", ESPY_TOOL_INTERP, -1 }, { "python2", ESPY_TOOL_INTERP, -1 },
	{ "python3", ESPY_TOOL_INTERP, -1 }, { "perl", ESPY_TOOL_INTERP, -1 },
	{ "ruby", ESPY_TOOL_INTERP, -1 }, { "php", ESPY_TOOL_INTERP, -1 },
	{ "node", ESPY_TOOL_INTERP, -1 }, { "lua", ESPY_TOOL_INTERP, -1 },
	/* transfer */
	{ "scp", ESPY_TOOL_TRANSFER, -1 }, { "sftp", ESPY_TOOL_TRANSFER, -1 },
	{ "sftp-server", ESPY_TOOL_TRANSFER, -1 },
	{ "curl", ESPY_TOOL_TRANSFER, -1 }, { "wget", ESPY_TOOL_TRANSFER, -1 },
	{ "rsync", ESPY_TOOL_TRANSFER | ESPY_TOOL_COPY, -1 },
	{ "ftp", ESPY_TOOL_TRANSFER, -1 }, { "tftp", ESPY_TOOL_TRANSFER, -1 },
	{ "lftp", ESPY_TOOL_TRANSFER, -1 }, { "rclone", ESPY_TOOL_TRANSFER, -1 },
	{ "aria2c", ESPY_TOOL_TRANSFER, -1 },
	{ "nc", ESPY_TOOL_TRANSFER | ESPY_TOOL_NETCAT, -1 },
	{ "ncat", ESPY_TOOL_TRANSFER | ESPY_TOOL_NETCAT, -1 },
	{ "netcat", ESPY_TOOL_TRANSFER | ESPY_TOOL_NETCAT, -1 },
	{ "nc.openbsd", ESPY_TOOL_TRANSFER | ESPY_TOOL_NETCAT, -1 },
	{ "nc.traditional", ESPY_TOOL_TRANSFER | ESPY_TOOL_NETCAT, -1 },
	{ "socat", ESPY_TOOL_TRANSFER | ESPY_TOOL_TUNNEL, -1 },
	{ "chisel", ESPY_TOOL_TUNNEL, -1 }, { "ngrok", ESPY_TOOL_TUNNEL, -1 },
	{ "frpc", ESPY_TOOL_TUNNEL, -1 },
	/* archivers */
	{ "tar", ESPY_TOOL_ARCHIVER, -1 }, { "zip", ESPY_TOOL_ARCHIVER, -1 },
	{ "7z", ESPY_TOOL_ARCHIVER, -1 }, { "7za", ESPY_TOOL_ARCHIVER, -1 },
	{ "gzip", ESPY_TOOL_ARCHIVER, -1 }, { "bzip2", ESPY_TOOL_ARCHIVER, -1 },
	{ "xz", ESPY_TOOL_ARCHIVER, -1 }, { "zstd", ESPY_TOOL_ARCHIVER, -1 },
	{ "rar", ESPY_TOOL_ARCHIVER, -1 }, { "cpio", ESPY_TOOL_ARCHIVER, -1 },
	{ "pigz", ESPY_TOOL_ARCHIVER, -1 },
	/* ssh */
	{ "ssh", ESPY_TOOL_SSH, -1 }, { "sshd", ESPY_TOOL_SSHD, -1 },
	{ "sshd-session", ESPY_TOOL_SSHD, -1 },
	/* builds */
	{ "cc", ESPY_TOOL_COMPILER, -1 }, { "gcc", ESPY_TOOL_COMPILER, -1 },
	{ "g++", ESPY_TOOL_COMPILER, -1 }, { "c++", ESPY_TOOL_COMPILER, -1 },
	{ "cc1", ESPY_TOOL_COMPILER, -1 }, { "cc1plus", ESPY_TOOL_COMPILER, -1 },
	{ "as", ESPY_TOOL_COMPILER, -1 }, { "ld", ESPY_TOOL_COMPILER, -1 },
	{ "ld.bfd", ESPY_TOOL_COMPILER, -1 }, { "ld.gold", ESPY_TOOL_COMPILER, -1 },
	{ "collect2", ESPY_TOOL_COMPILER, -1 }, { "clang", ESPY_TOOL_COMPILER, -1 },
	{ "rustc", ESPY_TOOL_COMPILER, -1 }, { "cargo", ESPY_TOOL_COMPILER, -1 },
	{ "go", ESPY_TOOL_COMPILER, -1 }, { "javac", ESPY_TOOL_COMPILER, -1 },
	{ "make", ESPY_TOOL_COMPILER, -1 }, { "cmake", ESPY_TOOL_COMPILER, -1 },
	{ "ninja", ESPY_TOOL_COMPILER, -1 },
	/* packages */
	{ "dpkg", ESPY_TOOL_PKG, -1 }, { "apt", ESPY_TOOL_PKG, -1 },
	{ "apt-get", ESPY_TOOL_PKG, -1 }, { "aptitude", ESPY_TOOL_PKG, -1 },
	{ "rpm", ESPY_TOOL_PKG, -1 }, { "yum", ESPY_TOOL_PKG, -1 },
	{ "dnf", ESPY_TOOL_PKG, -1 }, { "pip", ESPY_TOOL_PKG, -1 },
	{ "pip3", ESPY_TOOL_PKG, -1 }, { "npm", ESPY_TOOL_PKG, -1 },
	{ "dpkg-deb", ESPY_TOOL_PKG, -1 },
	{ "unattended-upgrade", ESPY_TOOL_PKG, -1 },
	{ "logrotate", ESPY_TOOL_LOGROTATE, -1 },
	/* attacker tooling */
	{ "nmap", ESPY_TOOL_SCANNER, D(NETSCAN) },
	{ "masscan", ESPY_TOOL_SCANNER, D(NETSCAN) },
	{ "zmap", ESPY_TOOL_SCANNER, D(NETSCAN) },
	{ "hping3", ESPY_TOOL_SCANNER, D(NETSCAN) },
	{ "gdb", ESPY_TOOL_DEBUGGER, -1 }, { "strace", ESPY_TOOL_DEBUGGER, -1 },
	{ "ltrace", ESPY_TOOL_DEBUGGER, -1 },
	{ "useradd", ESPY_TOOL_USERADM, -1 }, { "adduser", ESPY_TOOL_USERADM, -1 },
	{ "newusers", ESPY_TOOL_USERADM, -1 }, { "usermod", ESPY_TOOL_USERADM, -1 },
	{ "chpasswd", ESPY_TOOL_USERADM, -1 }, { "groupadd", ESPY_TOOL_USERADM, -1 },
	{ "vipw", ESPY_TOOL_USERADM, -1 },
	{ "crontab", ESPY_TOOL_CRONTAB, -1 },
	{ "systemctl", ESPY_TOOL_SYSTEMCTL, -1 },
	{ "tcpdump", ESPY_TOOL_SNIFFER, -1 }, { "tshark", ESPY_TOOL_SNIFFER, -1 },
	{ "dumpcap", ESPY_TOOL_SNIFFER, -1 },
	/* readers and copiers */
	{ "cat", ESPY_TOOL_PAGER, -1 }, { "less", ESPY_TOOL_PAGER, -1 },
	{ "more", ESPY_TOOL_PAGER, -1 }, { "head", ESPY_TOOL_PAGER, -1 },
	{ "tail", ESPY_TOOL_PAGER, -1 }, { "grep", ESPY_TOOL_PAGER, -1 },
	{ "egrep", ESPY_TOOL_PAGER, -1 }, { "fgrep", ESPY_TOOL_PAGER, -1 },
	{ "strings", ESPY_TOOL_PAGER, -1 }, { "vi", ESPY_TOOL_PAGER, -1 },
	{ "vim", ESPY_TOOL_PAGER, -1 }, { "nano", ESPY_TOOL_PAGER, -1 },
	{ "awk", ESPY_TOOL_PAGER, -1 }, { "gawk", ESPY_TOOL_PAGER, -1 },
	{ "mawk", ESPY_TOOL_PAGER, -1 }, { "sed", ESPY_TOOL_PAGER, -1 },
	{ "base64", ESPY_TOOL_PAGER, -1 }, { "xxd", ESPY_TOOL_PAGER, -1 },
	{ "od", ESPY_TOOL_PAGER, -1 },
	{ "cp", ESPY_TOOL_COPY, -1 }, { "mv", ESPY_TOOL_COPY, -1 },
	{ "install", ESPY_TOOL_COPY, -1 }, { "dd", ESPY_TOOL_COPY, -1 },
	{ "touch", ESPY_TOOL_TOUCH, -1 },
	/* service managers */
	{ "systemd", ESPY_TOOL_SERVICE_MGR, -1 },
	{ "init", ESPY_TOOL_SERVICE_MGR, -1 },
	{ "cron", ESPY_TOOL_SERVICE_MGR, -1 },
	{ "crond", ESPY_TOOL_SERVICE_MGR, -1 },
	{ "anacron", ESPY_TOOL_SERVICE_MGR, -1 },
	{ "atd", ESPY_TOOL_SERVICE_MGR, -1 },
	{ "espy", ESPY_TOOL_ESPY, -1 }, { "espyd", ESPY_TOOL_ESPY, -1 },
	{ "sudo", ESPY_TOOL_SUDO, -1 }, { "su", ESPY_TOOL_SUDO, -1 },
	{ "doas", ESPY_TOOL_SUDO, -1 }, { "pkexec", ESPY_TOOL_SUDO, -1 },
	/* discovery */
	{ "uname", 0, D(SYSINFO) }, { "hostname", 0, D(SYSINFO) },
	{ "hostnamectl", 0, D(SYSINFO) }, { "lscpu", 0, D(SYSINFO) },
	{ "lsb_release", 0, D(SYSINFO) }, { "dmidecode", 0, D(SYSINFO) },
	{ "lshw", 0, D(SYSINFO) }, { "lsblk", 0, D(SYSINFO) },
	{ "lsmod", 0, D(SYSINFO) }, { "systemd-detect-virt", 0, D(SYSINFO) },
	{ "virt-what", 0, D(SYSINFO) }, { "arch", 0, D(SYSINFO) },
	{ "whoami", 0, D(OWNER) }, { "id", 0, D(OWNER) }, { "w", 0, D(OWNER) },
	{ "who", 0, D(OWNER) }, { "users", 0, D(OWNER) }, { "last", 0, D(OWNER) },
	{ "logname", 0, D(OWNER) },
	{ "lastlog", 0, D(ACCOUNT) }, { "groups", 0, D(ACCOUNT) },
	{ "finger", 0, D(ACCOUNT) },
	{ "ps", 0, D(PROCESS) }, { "pstree", 0, D(PROCESS) },
	{ "top", 0, D(PROCESS) }, { "htop", 0, D(PROCESS) },
	{ "pgrep", 0, D(PROCESS) }, { "pidof", 0, D(PROCESS) },
	{ "netstat", 0, D(NETCONN) }, { "ss", 0, D(NETCONN) },
	{ "lsof", 0, D(NETCONN) },
	{ "ip", 0, D(NETCONF) }, { "ifconfig", 0, D(NETCONF) },
	{ "route", 0, D(NETCONF) }, { "iptables", 0, D(NETCONF) },
	{ "ip6tables", 0, D(NETCONF) }, { "nft", 0, D(NETCONF) },
	{ "nmcli", 0, D(NETCONF) }, { "iwconfig", 0, D(NETCONF) },
	{ "resolvectl", 0, D(NETCONF) }, { "ethtool", 0, D(NETCONF) },
	{ "arp", 0, D(REMOTESYS) }, { "ping", 0, D(REMOTESYS) },
	{ "ping6", 0, D(REMOTESYS) }, { "fping", 0, D(REMOTESYS) },
	{ "arping", 0, D(REMOTESYS) }, { "traceroute", 0, D(REMOTESYS) },
	{ "tracepath", 0, D(REMOTESYS) }, { "host", 0, D(REMOTESYS) },
	{ "dig", 0, D(REMOTESYS) }, { "nslookup", 0, D(REMOTESYS) },
	{ "nbtscan", 0, D(REMOTESYS) },
	{ "find", 0, D(FILEDISC) }, { "locate", 0, D(FILEDISC) },
	{ "mlocate", 0, D(FILEDISC) }, { "plocate", 0, D(FILEDISC) },
	{ "tree", 0, D(FILEDISC) },
	{ "getent", 0, D(ACCOUNT) },
};

#define TOOL_SLOTS 512
static const struct espy_tool *tool_tab[TOOL_SLOTS];
static int tool_tab_ready;

static uint64_t name_hash(const char *s, size_t n)
{
	return espy_hash_bytes(s, n, 0x544f4f4cULL);
}

static void tool_tab_build(void)
{
	size_t i;

	for (i = 0; i < sizeof(tools) / sizeof(tools[0]); i++) {
		uint32_t h = name_hash(tools[i].name, strlen(tools[i].name)) &
			     (TOOL_SLOTS - 1);

		while (tool_tab[h])
			h = (h + 1) & (TOOL_SLOTS - 1);
		tool_tab[h] = &tools[i];
	}
	tool_tab_ready = 1;
}

static const struct espy_tool *tool_probe(const char *b, size_t n)
{
	uint32_t h = name_hash(b, n) & (TOOL_SLOTS - 1);

	while (tool_tab[h]) {
		if (strlen(tool_tab[h]->name) == n &&
		    !memcmp(tool_tab[h]->name, b, n))
			return tool_tab[h];
		h = (h + 1) & (TOOL_SLOTS - 1);
	}
	return NULL;
}

const struct espy_tool *espy_tool_lookup(const char *b, size_t n)
{
	const struct espy_tool *t;

	if (!tool_tab_ready)
		tool_tab_build();
	if (n == 0 || n > 64)
		return NULL;
	t = tool_probe(b, n);
	if (t)
		return t;
	/* Debian's toolchain: x86_64-linux-gnu-gcc-12, x86_64-linux-gnu-ld.bfd */
	{
		const char *g = memmem(b, n, "-linux-gnu-", 11);

		if (g && g + 11 < b + n) {
			n -= g + 11 - b;
			b = g + 11;
			t = tool_probe(b, n);
			if (t)
				return t;
		}
	}
	/* python3.11, perl5.36, gcc-12: the name without its version */
	while (n > 1 && ((b[n - 1] >= '0' && b[n - 1] <= '9') ||
			 b[n - 1] == '.' || b[n - 1] == '-'))
		n--;
	return tool_probe(b, n);
}

uint64_t espy_program_key(const char *path, size_t len, char *norm,
			  size_t normsz)
{
	char buf[512];
	size_t n;

	if (SFX(path, len, " (deleted)"))
		len -= 10;
	if (PFX(path, len, "/memfd:") || PFX(path, len, "memfd:")) {
		n = snprintf(buf, sizeof(buf), "memfd:*");
	} else if (PFX(path, len, "/tmp/") || PFX(path, len, "/var/tmp/") ||
		   PFX(path, len, "/dev/shm/") || PFX(path, len, "/run/shm/")) {
		const char *s = memchr(path + 1, '/', len - 1);

		n = snprintf(buf, sizeof(buf), "%.*s/*",
			     (int)(s - path), path);
	} else {
		n = collapse_digits(buf, sizeof(buf), path, len);
	}
	if (norm && normsz)
		snprintf(norm, normsz, "%s", buf);
	return espy_hash_bytes(buf, n, 0x50524f47ULL);
}

/* ---- network -------------------------------------------------------- */

enum espy_dst_class espy_dst_classify(uint16_t family, const uint8_t *a)
{
	static const uint8_t zero[16];

	if (family == AF_UNIX)
		return ESPY_DST_UNIX;
	if (family == AF_INET6 && !memcmp(a, zero, 10) && a[10] == 0xff &&
	    a[11] == 0xff) {
		family = AF_INET;
		a += 12;
	}
	if (family == AF_INET) {
		if (a[0] == 127)
			return ESPY_DST_LOOPBACK;
		if (a[0] == 0)
			return ESPY_DST_UNSPEC;
		if (a[0] == 169 && a[1] == 254)
			return ESPY_DST_LINKLOCAL;
		if (a[0] == 10 || (a[0] == 172 && (a[1] & 0xf0) == 16) ||
		    (a[0] == 192 && a[1] == 168) ||
		    (a[0] == 100 && (a[1] & 0xc0) == 64))
			return ESPY_DST_PRIVATE;
		if (a[0] >= 224 && a[0] < 240)
			return ESPY_DST_MULTICAST;
		return ESPY_DST_PUBLIC;
	}
	if (family == AF_INET6) {
		if (!memcmp(a, zero, 15))
			return a[15] == 1 ? ESPY_DST_LOOPBACK : ESPY_DST_UNSPEC;
		if (a[0] == 0xfe && (a[1] & 0xc0) == 0x80)
			return ESPY_DST_LINKLOCAL;
		if ((a[0] & 0xfe) == 0xfc)
			return ESPY_DST_PRIVATE;
		if (a[0] == 0xff)
			return ESPY_DST_MULTICAST;
		return ESPY_DST_PUBLIC;
	}
	return ESPY_DST_UNSPEC;
}

void espy_addr_str(uint16_t family, const uint8_t *addr, char *out,
		   size_t outsz)
{
	if (family == AF_INET || family == AF_INET6) {
		if (inet_ntop(family, addr, out, outsz))
			return;
	}
	snprintf(out, outsz, "?");
}

uint64_t espy_addr_hash(uint16_t family, const uint8_t *addr)
{
	return espy_hash_bytes(addr, family == AF_INET ? 4 : 16,
			       0x41444452ULL + family);
}

/* ---- argv ----------------------------------------------------------- */

int espy_argv_has(const char *argv, size_t len, const char *needle)
{
	return argv && len && memmem(argv, len, needle, strlen(needle)) != NULL;
}

int espy_argv_arg(const char *argv, size_t len, const char *arg)
{
	size_t i = 0, al = strlen(arg);

	while (i < len) {
		const char *e = memchr(argv + i, 0, len - i);
		size_t l = e ? (size_t)(e - argv - i) : len - i;

		if (l == al && !memcmp(argv + i, arg, al))
			return 1;
		i += l + 1;
	}
	return 0;
}

int espy_argv_nth(const char *argv, size_t len, int n, const char **s,
		  size_t *slen)
{
	size_t i = 0;
	int k = 0;

	while (i < len) {
		const char *e = memchr(argv + i, 0, len - i);
		size_t l = e ? (size_t)(e - argv - i) : len - i;

		if (k == n) {
			*s = argv + i;
			*slen = l;
			return 0;
		}
		k++;
		i += l + 1;
	}
	return -1;
}
