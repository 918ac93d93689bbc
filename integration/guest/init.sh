#!/bin/sh
# PID 1 of a vsw test guest: mount the basics, load the modules listed in /etc/vsw-modules (in
# dependency order), then serve the command agent on the second serial port (ttyS1).
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /tmp /run && mount -t devpts devpts /dev/pts
for m in $(cat /etc/vsw-modules); do insmod "/lib/modules/$m" 2>/dev/null; done
ip link set lo up
# Tests compare frame counters: no IPv6 chatter (router solicitations, MLD) in the background.
sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 2>/dev/null
name=$(sed -n 's/.*vsw.name=\([^ ]*\).*/\1/p' /proc/cmdline)
hostname "${name:-guest}"
echo "vsw-guest: $(hostname) up, kernel $(uname -r), $(ls /sys/class/net | tr '\n' ' ')" > /dev/console
exec /bin/agent.sh
