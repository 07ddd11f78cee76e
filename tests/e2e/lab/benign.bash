# SPDX-License-Identifier: GPL-2.0-only
# One round of the lab's ordinary life (sourced by tests/e2e/lab.sh after
# lab.bash).  Everything here is what the intrusion chain imitates: logins
# and copies over ssh, builds that run fresh binaries from /tmp, backups with
# tar and rsync, cron jobs that rotate logs and install packages (cron files,
# systemd units), health checks that run ps and ss.  After learning, none of
# it may alert.

# lab_benign ROUND
lab_benign() {
	local r=$1

	# alice works on her project: builds locally and on srv, copies and
	# syncs it there, looks at the result
	login ws alice alice "
		cd ~/project
		cc -O2 -o /tmp/hello hello.c && /tmp/hello
		echo '- round $r' >>notes.txt
		scp -q notes.txt srv.lab.internal:project/
		rsync -a --exclude data.bin ~/project/ srv.lab.internal:project/
		ssh srv.lab.internal 'cd project && cc -O2 -o /tmp/hello hello.c && /tmp/hello && tail -n 2 notes.txt'
		scp -q srv.lab.internal:project/notes.txt /tmp/notes.srv
	" >/dev/null 2>&1 || lab_log "round $r: alice's work failed"

	# ops pushes a configuration to srv and checks on it, as root
	# (configuration management over ssh)
	login ws ops ops "
		scp -q deploy/app.conf root@srv.lab.internal:/opt/lab/app.conf
		ssh root@srv.lab.internal 'uptime; df -h /; tail -n 5 /var/log/syslog; dpkg -l openssh-server >/dev/null'
	" >/dev/null 2>&1 || lab_log "round $r: ops's work failed"

	# every host: its health check (every few minutes, so several times
	# a round), the nightly cron.daily (log rotation, backups) and the
	# daily upgrade; each is its own cron entry or timer, its own session
	local h
	for h in ws srv db; do
		for _ in 1 2 3; do
			on "$h" /opt/lab/monitor >/dev/null 2>&1 ||
				lab_log "round $r: the health check on $h failed"
		done
		on "$h" run-parts /etc/cron.daily >/dev/null 2>&1 ||
			lab_log "round $r: cron.daily on $h failed"
		on "$h" /opt/lab/pkg >/dev/null 2>&1 ||
			lab_log "round $r: the upgrade on $h failed"
	done
}
