#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# A login on a lab host, as login(1) or sshd with pam_loginuid make one:
# set the audit login uid (which opens a new audit session), drop to USER
# and run CMD in a login shell with a clean environment.
#
# usage: login.sh AUID USER HOME CMD  (CMD "-": read the commands from stdin,
#                                     an interactive shell without a terminal)
#
# No helper programs (id, getent) run here: they are discovery commands,
# and the lab's sessions must show only what their users do.
set -eu
auid=$1 user=$2 home=$3 cmd=$4
echo "$auid" >/proc/self/loginuid
cd "$home"
if [ "$cmd" = - ]; then args=(-s); else args=(-c "$cmd"); fi
exec setpriv --reuid="$user" --regid="$user" --init-groups \
	env -i HOME="$home" USER="$user" LOGNAME="$user" SHELL=/bin/bash \
	PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
	LANG=C.UTF-8 TERM=dumb /bin/bash -l "${args[@]}"
