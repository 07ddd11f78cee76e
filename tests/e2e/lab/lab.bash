# SPDX-License-Identifier: GPL-2.0-only
# The namespace lab of tests/e2e/lab.sh: three "hosts" on one kernel, each
# a network + mount + UTS namespace held open by a keeper process, joined
# by veth pairs to a bridge that lives in a fourth network namespace (the
# switch), so that the machine's own network is never touched:
#
#   ws  10.77.0.1  workstation: users alice and ops, the foothold
#   srv 10.77.0.2  server: OpenSSH (Debian's sshd), alice's project
#   db  10.77.0.3  backups over ssh, the lab DNS resolver, a TCP service
#
# Every host sees private copies of accounts, /etc/ssh, homes, /tmp, /run,
# logs, cron and systemd directories, /opt and /var/backups (hostinit.sh),
# all kept under one lab directory.  Accounts are added to those copies,
# never to the real /etc.  lab_teardown kills what the lab started, by pid,
# and removes the directory.  Sourced, not run.

LAB_SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
LAB_NET=10.77.0
LAB_HOSTS="ws srv db"
declare -A LAB_IP=([ws]=$LAB_NET.1 [srv]=$LAB_NET.2 [db]=$LAB_NET.3)
declare -A LAB_K=()		# host -> keeper pid
declare -A LAB_UID=([alice]=47001 [ops]=47002 [root]=0)
LAB_PIDS=""			# services started in the hosts
LAB_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
LAB=""

lab_log() { echo "# lab: $*" >&2; }

# on HOST CMD...: run CMD as root on HOST, with a clean environment.
on() {
	local h=$1
	shift
	env -i PATH=$LAB_PATH HOME=/root LANG=C.UTF-8 \
		nsenter --target "${LAB_K[$h]}" --net --mount --uts -- "$@"
}

# login HOST AUID USER CMD: CMD in a login session of AUID (its audit login
# uid, like pam_loginuid sets it) running as USER, through a login shell.
login() {
	local h=$1 auid=${LAB_UID[$2]} user=$3 cmd=$4 home=/home/$3
	[ "$user" = root ] && home=/root
	on "$h" /bin/bash "$LAB_SRC/login.sh" "$auid" "$user" "$home" "$cmd"
}

lab_netns() { stat -L -c %i "/proc/${LAB_K[$1]}/ns/net"; }

# ---- building the hosts' private files ---------------------------------

lab_user() {	# lab_user HOST USER
	local h=$LAB/h/$1 u=$2 uid=${LAB_UID[$2]}
	mkdir -p "$h/home/$u/.ssh"
	cp -r /etc/skel/. "$h/home/$u/"
	chmod 700 "$h/home/$u/.ssh"
	chown -R "$uid:$uid" "$h/home/$u"
	chmod 755 "$h/home/$u"
}

lab_key() {	# lab_key FILE COMMENT
	ssh-keygen -q -t ed25519 -N '' -C "$2" -f "$1"
}

lab_authorize() {	# lab_authorize HOST USER PUBKEYFILE...
	local h=$1 u=$2 d
	shift 2
	if [ "$u" = root ]; then d=$LAB/h/$h/root/.ssh; else d=$LAB/h/$h/home/$u/.ssh; fi
	mkdir -p "$d"
	cat "$@" >>"$d/authorized_keys"
	chmod 700 "$d"
	chmod 600 "$d/authorized_keys"
	[ "$u" = root ] || chown -R "${LAB_UID[$u]}:${LAB_UID[$u]}" "$d"
}

lab_mkhost() {	# lab_mkhost HOST
	local host=$1 h=$LAB/h/$1 u
	mkdir -p "$h"/etc/{ssh,cron.d,cron.daily,systemd/system} \
		"$h"/{home,root/.ssh,tmp,var/log,var/backups,var/lib/logrotate} \
		"$h"/opt/{pkgs,lab,pkgdb}
	chmod 1777 "$h/tmp"
	chmod 700 "$h/root" "$h/root/.ssh"
	cp /etc/skel/.bashrc /etc/skel/.profile "$h/root/"
	printf '%s\n' 'cd /var/log' 'ls -la' 'tail -n 50 syslog' 'df -h' >"$h/root/.bash_history"
	cp -p /etc/passwd /etc/group "$h/etc/"
	install -m 0640 -g shadow /etc/shadow "$h/etc/shadow" 2>/dev/null ||
		install -m 0600 /etc/shadow "$h/etc/shadow"
	for u in alice ops; do
		echo "$u:x:${LAB_UID[$u]}:${LAB_UID[$u]}:lab $u:/home/$u:/bin/bash" >>"$h/etc/passwd"
		echo "$u:x:${LAB_UID[$u]}:" >>"$h/etc/group"
		echo "$u:*:20000:0:99999:7:::" >>"$h/etc/shadow"
		lab_user "$host" "$u"
	done
	printf 'search lab.internal\nnameserver %s\n' "${LAB_IP[db]}" >"$h/etc/resolv.conf"
	printf '127.0.0.1\tlocalhost\n127.0.1.1\t%s.lab.internal %s\n' "$host" "$host" >"$h/etc/hosts"
	cp /etc/ssh/moduli "$h/etc/ssh/"
	cat >"$h/etc/ssh/ssh_config" <<-EOF
	Host *
	    SendEnv LANG LC_*
	    HashKnownHosts yes
	    BatchMode yes
	    StrictHostKeyChecking accept-new
	    ConnectTimeout 5
	EOF
	cat >"$h/etc/ssh/sshd_config" <<-EOF
	ListenAddress ${LAB_IP[$host]}
	HostKey /etc/ssh/ssh_host_ed25519_key
	PidFile /run/sshd.pid
	UsePAM yes
	PasswordAuthentication no
	KbdInteractiveAuthentication no
	PermitRootLogin prohibit-password
	AuthorizedKeysFile .ssh/authorized_keys
	UseDNS no
	PrintMotd no
	LogLevel VERBOSE
	AcceptEnv LANG LC_*
	Subsystem sftp /usr/lib/openssh/sftp-server
	EOF
	lab_key "$h/etc/ssh/ssh_host_ed25519_key" "root@$host"
	for u in auth.log syslog app.log; do
		seq -f "$(date '+%b %d %H:%M:%S') $host lab[%g]: started" 1 20 >"$h/var/log/$u"
	done
	chmod 640 "$h/var/log/auth.log"
	# its jobs: cron.daily, the upgrade timer's, the health check
	install -m 0755 "$LAB_SRC/jobs/logrotate" "$h/etc/cron.daily/"
	[ "$host" = db ] || install -m 0755 "$LAB_SRC/jobs/backup" "$h/etc/cron.daily/"
	install -m 0755 "$LAB_SRC/jobs/monitor" "$LAB_SRC/jobs/pkg" "$h/opt/lab/"
	cp "$LAB_SRC/jobs/logrotate.conf" "$h/opt/lab/"
	cp "$LAB/labapp_1.0_all.deb" "$h/opt/pkgs/"
	echo "Package: labapp" >"$h/opt/pkgdb/status"
}

# A project tree worth stealing: sources, notes and a blob that does not
# compress (so that its archive is a few MiB on the wire).
lab_project() {	# lab_project DIR OWNER
	mkdir -p "$1"
	cp "$LAB_SRC/hello.c" "$1/"
	printf 'release notes\n- build hello\n' >"$1/notes.txt"
	printf 'all:\n\tcc -O2 -o hello hello.c\n' >"$1/Makefile"
	head -c 3145728 /dev/urandom >"$1/data.bin"
	chown -R "$2:$2" "$1"
}

lab_package() {
	local p=$LAB/pkgsrc
	mkdir -p "$p"/DEBIAN "$p"/etc/cron.d "$p"/etc/systemd/system "$p"/opt/labapp/bin
	printf 'Package: labapp\nVersion: 1.0\nArchitecture: all\nMaintainer: lab <lab@lab.internal>\nDescription: lab application\n' \
		>"$p/DEBIAN/control"
	printf '17 3 * * * root /opt/labapp/bin/labapp --daily\n' >"$p/etc/cron.d/labapp"
	printf '[Unit]\nDescription=lab app\n[Service]\nExecStart=/opt/labapp/bin/labapp\n[Install]\nWantedBy=multi-user.target\n' \
		>"$p/etc/systemd/system/labapp.service"
	printf '#!/bin/sh\necho labapp "$@"\n' >"$p/opt/labapp/bin/labapp"
	chmod 0755 "$p/opt/labapp/bin/labapp"
	dpkg-deb -Zgzip --root-owner-group --build "$p" "$LAB/labapp_1.0_all.deb" >/dev/null
}

lab_files() {
	local k
	lab_package
	for k in $LAB_HOSTS; do lab_mkhost "$k"; done
	# keys: alice's, ops's (the admin key that opens root@srv, the one
	# the intruder steals) and the backup keys of ws's and srv's root
	lab_key "$LAB/h/ws/home/alice/.ssh/id_ed25519" alice@ws
	lab_key "$LAB/h/ws/home/ops/.ssh/id_ed25519" ops@ws
	chown -R "${LAB_UID[alice]}:${LAB_UID[alice]}" "$LAB/h/ws/home/alice/.ssh"
	chown -R "${LAB_UID[ops]}:${LAB_UID[ops]}" "$LAB/h/ws/home/ops/.ssh"
	lab_key "$LAB/h/ws/root/.ssh/id_backup" backup@ws
	lab_key "$LAB/h/srv/root/.ssh/id_backup" backup@srv
	lab_authorize srv alice "$LAB/h/ws/home/alice/.ssh/id_ed25519.pub"
	lab_authorize srv root "$LAB/h/ws/home/ops/.ssh/id_ed25519.pub"
	lab_authorize db ops "$LAB/h/ws/root/.ssh/id_backup.pub" \
		"$LAB/h/srv/root/.ssh/id_backup.pub"
	lab_project "$LAB/h/ws/home/alice/project" "${LAB_UID[alice]}"
	lab_project "$LAB/h/srv/home/alice/project" "${LAB_UID[alice]}"
	mkdir -p "$LAB/h/db/home/ops/backups"
	chown "${LAB_UID[ops]}:${LAB_UID[ops]}" "$LAB/h/db/home/ops/backups"
	mkdir -p "$LAB/h/ws/home/ops/deploy"
	printf 'listen = 8080\nworkers = 4\n' >"$LAB/h/ws/home/ops/deploy/app.conf"
	printf '%s\n' 'ssh root@srv.lab.internal' 'scp deploy/app.conf root@srv.lab.internal:/opt/lab/' \
		'ssh root@srv.lab.internal tail /var/log/syslog' >"$LAB/h/ws/home/ops/.bash_history"
	printf '%s\n' 'cd project' 'make' 'ssh srv.lab.internal' >"$LAB/h/ws/home/alice/.bash_history"
	chown -R "${LAB_UID[ops]}:${LAB_UID[ops]}" "$LAB/h/ws/home/ops"
	chown "${LAB_UID[alice]}:${LAB_UID[alice]}" "$LAB/h/ws/home/alice/.bash_history"
	chmod 600 "$LAB/h/ws/home/"*/.bash_history
	# the intruder's tool, dropped on the foothold before we look
	cc -O2 -o "$LAB/h/ws/tmp/.t" "$LAB_SRC/tool.c"
}

# ---- namespaces, network, services -------------------------------------

lab_wait_file() {	# lab_wait_file FILE SECONDS
	for _ in $(seq $(($2 * 10))); do
		[ -e "$1" ] && return 0
		sleep 0.1
	done
	return 1
}

lab_keepers() {
	local k
	unshare --net sleep infinity &
	LAB_K[sw]=$!
	for k in $LAB_HOSTS; do
		unshare --net --mount --uts --propagation private \
			/bin/bash "$LAB_SRC/hostinit.sh" "$k" "$LAB" 2>"$LAB/h/$k.init.err" &
		LAB_K[$k]=$!
	done
	for k in $LAB_HOSTS; do
		lab_wait_file "$LAB/h/$k.ready" 10 || {
			lab_log "host $k did not come up: $(cat "$LAB/h/$k.init.err")"
			return 1
		}
	done
}

lab_network() {
	local k sw=${LAB_K[sw]}
	nsenter --target "$sw" --net ip link add br0 type bridge || return 1
	nsenter --target "$sw" --net ip link set br0 up || return 1
	for k in $LAB_HOSTS; do
		ip link add eth0 netns "${LAB_K[$k]}" type veth peer name "$k" netns "$sw" || return 1
		nsenter --target "$sw" --net ip link set "$k" master br0 up || return 1
		nsenter --target "${LAB_K[$k]}" --net ip addr add "${LAB_IP[$k]}/24" dev eth0 || return 1
		nsenter --target "${LAB_K[$k]}" --net ip link set eth0 up || return 1
	done
}

lab_services() {
	local k
	for k in srv db; do
		on "$k" /usr/sbin/sshd -t || return 1
		on "$k" /usr/sbin/sshd -D -e 2>>"$LAB/h/$k.sshd.log" &
		LAB_PIDS="$LAB_PIDS $!"
	done
	on db /usr/bin/python3 "$LAB_SRC/services.py" "${LAB_IP[db]}" 2>>"$LAB/h/db.services.log" &
	LAB_PIDS="$LAB_PIDS $!"
	for _ in $(seq 100); do
		on ws bash -c "exec 3<>/dev/tcp/${LAB_IP[srv]}/22 && exec 4<>/dev/tcp/${LAB_IP[db]}/22 && exec 5<>/dev/tcp/${LAB_IP[db]}/8443" \
			2>/dev/null && return 0
		sleep 0.1
	done
	lab_log "services did not come up"
	return 1
}

# lab_setup: build everything; sets LAB.  Returns non-zero on failure (the
# caller's EXIT trap runs lab_teardown).
lab_setup() {
	LAB=$(mktemp -d /var/tmp/espy-lab.XXXXXX) || return 1
	chmod 755 "$LAB"
	mkdir -p "$LAB/h"
	# the hosts have private /tmp (and more): run the lab's scripts from a
	# copy inside $LAB, so a checkout anywhere (even under /tmp) works
	cp -a "$LAB_SRC" "$LAB/src" || return 1
	LAB_SRC=$LAB/src
	lab_files || { lab_log "building the hosts' files failed"; return 1; }
	lab_keepers || return 1
	lab_network || { lab_log "network setup failed"; return 1; }
	lab_services || return 1
	# every host can reach the others by name through db's resolver
	on ws getent ahostsv4 srv.lab.internal >/dev/null ||
		{ lab_log "lab DNS does not answer"; return 1; }
}

# The pids of the processes inside the lab's network namespaces (all of
# them were started by the lab: ssh sessions, services, keepers).
lab_ns_pids() {
	local inos="" k p ino
	for k in sw $LAB_HOSTS; do
		[ -n "${LAB_K[$k]:-}" ] || continue
		ino=$(stat -L -c %i "/proc/${LAB_K[$k]}/ns/net" 2>/dev/null) &&
			inos="$inos $ino "
	done
	[ -n "$inos" ] || return 0
	for p in /proc/[0-9]*; do
		ino=$(stat -L -c %i "$p/ns/net" 2>/dev/null) || continue
		case "$inos" in *" $ino "*) echo "${p#/proc/}" ;; esac
	done
}

lab_teardown() {
	local p pids
	for p in $LAB_PIDS; do kill -TERM "$p" 2>/dev/null; done
	pids=$(lab_ns_pids)
	# shellcheck disable=SC2086
	[ -z "$pids" ] || kill -KILL $pids 2>/dev/null
	for p in $LAB_PIDS "${LAB_K[@]}"; do
		[ -n "$p" ] && wait "$p" 2>/dev/null
	done
	LAB_PIDS=""
	LAB_K=()
	if [ -n "$LAB" ] && [ -d "$LAB" ] && [ -z "${KEEP:-}" ]; then
		rm -rf "$LAB"
	fi
}
