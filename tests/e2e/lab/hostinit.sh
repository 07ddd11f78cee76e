#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Turn the fresh network, mount and UTS namespaces this runs in into one lab
# "host": its own hostname, loopback, and private copies of what a server
# keeps to itself (accounts, /etc/ssh, homes, /tmp, /run, logs, cron and
# systemd directories, /opt, backups), bind-mounted from LAB/h/HOST.  The
# mounts are private to this mount namespace, so nothing on the real system
# changes and everything goes away with the namespace.  Then it holds the
# namespaces open until it is killed.
#
# usage: hostinit.sh HOST LABDIR
set -eu
host=$1
h=$2/h/$host

hostname "$host"
ip link set lo up
for f in passwd group shadow resolv.conf hosts; do
	mount --bind "$h/etc/$f" "/etc/$f"
done
for d in etc/ssh etc/cron.d etc/cron.daily etc/systemd/system home root tmp \
	 var/log var/backups var/lib/logrotate opt; do
	mount --bind "$h/$d" "/$d"
done
mount -t tmpfs -o mode=0755,nosuid,nodev tmpfs /run
mkdir -m 0755 /run/sshd
touch "$2/h/$host.ready"
exec sleep infinity
