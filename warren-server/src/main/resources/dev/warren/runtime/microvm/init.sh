#!/bin/bash
# Warren microVM, stage 2 (PID 1 on the sandbox's disk): reads this boot's configuration from the
# config disk (id, generation, hostname, environment: NUL-separated key=value records, written by
# the controller for this boot only), mounts what programs expect and keeps the agent running.
set -u
mountpoint -q /run || mount -t tmpfs -o mode=0755,nosuid,nodev run /run
mountpoint -q /tmp || mount -t tmpfs -o mode=1777,nosuid,nodev tmp /tmp
mkdir -p /dev/pts /dev/shm
mountpoint -q /dev/pts || mount -t devpts -o gid=5,mode=620,ptmxmode=666 devpts /dev/pts
mountpoint -q /dev/shm || mount -t tmpfs -o mode=1777,nosuid,nodev shm /dev/shm
mkdir -p /run/warren
mapfile -d '' -t records < "$(cat /.warren/config-device)"
: > /run/warren/env
for r in "${records[@]}"; do
  case $r in
    hostname=*) printf '%s' "${r#hostname=}" > /proc/sys/kernel/hostname ;;
    env=*) printf '%s\0' "${r#env=}" >> /run/warren/env ;;
  esac
done
ip link set lo up 2>/dev/null || true
# the disk is the image plus limits.diskMb: its filesystem grows to fill it on the first boot (online,
# with the image's own resize2fs; an image without one keeps the size of its base)
if command -v resize2fs >/dev/null; then
  resize2fs "$(cat /.warren/root-device)" >/dev/null 2>&1 || echo "warren: resize2fs failed; the disk keeps its size" > /dev/console
fi
mkdir -p /workspace
trap '' TERM INT
while true; do
  /.warren/agent.sh
  echo "warren: the agent ended with $?; starting it again" > /dev/console
  sleep 1
done &
# PID 1 reaps every orphan; a poweroff inside ends the VM (QEMU runs with -no-reboot)
while true; do
  wait -n 2>/dev/null || sleep 1
done
