#!/bin/bash
# The microVM boot floor beside Warren, in one run: a plain qemu-system-x86_64 boot of the same
# kernel, initramfs and disk (the image's ext4 base under a fresh qcow2 overlay, the same machine,
# devices and kernel command line as the microvm runtime) to the answer of its first command, and
# Warren's create-to-first-exec with WARREN_RUNTIME=microvm, each RUNS times, alternating.
#
#   bench/microvm-floor.sh [RUNS]          (root; after ./warren up, which builds the kernel and the jar)
#
# Prints every run and the medians. Everything it makes (QEMU processes by their pid, the temporary
# directory, the controller and its instance) is removed at the end, also on failure.
set -euo pipefail
RUNS=${1:-3}
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
IMAGES=${WARREN_IMAGES:-/var/lib/warren/images}
JAVA=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}/bin/java
JAR=$ROOT/warren-server/target/warren.jar
K=$IMAGES/.microvm/kernel/current
[[ $(id -u) -eq 0 ]] || { echo "needs root" >&2; exit 2; }
[[ -f $K/vmlinuz && -f $JAR ]] || { echo "run ./warren up first (kernel: $K, jar: $JAR)" >&2; exit 2; }
ROOTFS=$(ls -d "$IMAGES"/base/*/rootfs | head -1)
TMP=$(mktemp -d /tmp/warren-microvm-bench.XXXXXX)
chmod 0700 "$TMP"
WARREN_PID=
cleanup() {
  set +e
  [[ -f $TMP/floor/qemu.pid ]] && kill "$(cat "$TMP/floor/qemu.pid")" 2>/dev/null
  if [[ -n $WARREN_PID ]]; then
    kill "$WARREN_PID" 2>/dev/null; wait "$WARREN_PID" 2>/dev/null
    WARREN_DATA=$TMP/data WARREN_IMAGES=$IMAGES WARREN_RUNTIME=microvm "$JAVA" --enable-native-access=ALL-UNNAMED -jar "$JAR" teardown --yes >/dev/null
  fi
  rm -rf "$TMP"
}
trap cleanup EXIT
now() { date +%s%N; }

# the floor's disk as the runtime makes it for the image (it caches its own; this one is the bench's):
# base ext4 of the rootfs, an overlay of the base plus the default limits.diskMb (10 GiB), which the
# guest's init grows its filesystem into at the first boot, as in a Warren sandbox
used=$(du -sb "$ROOTFS" | cut -f1)
mkfs.ext4 -q -F -L warren-root -d "$ROOTFS" -E root_owner=0:0 "$TMP/base.ext4" $(( (used * 5 / 4 + (64 << 20)) >> 20 ))M >/dev/null
SIZE=$(( $(stat -c %s "$TMP/base.ext4") + (10240 << 20) ))
mkdir -p "$TMP/floor"
printf 'WARREN 1\0id=floor\0generation=1\0hostname=floor\0env=PATH=/usr/sbin:/usr/bin:/sbin:/bin\0' > "$TMP/floor/config.raw"
truncate -s 4096 "$TMP/floor/config.raw"

floor() { # one plain boot to the first command's answer; prints ms
  local d=$TMP/floor t0
  rm -f "$d"/disk.qcow2 "$d"/*.sock "$d"/qemu.pid
  qemu-img create -q -f qcow2 -b "$TMP/base.ext4" -F raw "$d/disk.qcow2" "$SIZE"
  t0=$(now)
  qemu-system-x86_64 -M microvm,x-option-roms=off,rtc=on,pit=on,pic=on -accel tcg -cpu max -m 384M -smp 1 \
    -nodefaults -no-user-config -display none -no-reboot -sandbox on,obsolete=deny,resourcecontrol=deny \
    -kernel "$K/vmlinuz" -initrd "$K/initrd.img" -append "console=ttyS0 quiet panic=-1 reboot=t tsc_early_khz=2000000 lpj=4000000" \
    -drive id=root,file="$d/disk.qcow2",format=qcow2,if=none,discard=unmap -device virtio-blk-device,drive=root,serial=warren-root \
    -drive id=config,file="$d/config.raw",format=raw,if=none,readonly=on -device virtio-blk-device,drive=config,serial=warren-config \
    -device virtio-serial-device -chardev socket,id=guest,path="$d/guest.sock",server=on,wait=off \
    -device virtserialport,chardev=guest,name=warren.guest -serial none -pidfile "$d/qemu.pid" -daemonize
  python3 - "$d/guest.sock" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.settimeout(120)
s.sendall(b"warren-guest 1\n")
argv = b"true\0"
s.sendall(b"exec f1 10 1024 %d 0 0 %d\n" % (len(argv), len(argv)) + argv)
buf = b""
while b"exit f1 " not in buf:
    chunk = s.recv(4096)
    if not chunk: sys.exit("guest port closed")
    buf += chunk
PY
  echo $(( ($(now) - t0) / 1000000 ))
  local pid
  pid=$(cat "$d/qemu.pid")
  kill "$pid"
  # QEMU removes its pid file as it exits; gone, or a zombie of whoever reaps it
  while [[ -e /proc/$pid ]] && ! grep -q ') Z' "/proc/$pid/stat" 2>/dev/null; do sleep 0.05; done
}

# Warren with the microvm runtime, on a data directory of its own
mkdir -p "$TMP/data"
WARREN_DATA=$TMP/data WARREN_IMAGES=$IMAGES WARREN_RUNTIME=microvm WARREN_LISTEN=127.0.0.1:0 \
  "$JAVA" --enable-native-access=ALL-UNNAMED -jar "$JAR" serve > "$TMP/warren.log" 2>&1 &
WARREN_PID=$!
for _ in $(seq 600); do [[ -f $TMP/data/listen ]] && break; sleep 0.1; done
[[ -f $TMP/data/listen ]] || { echo "Warren did not start:"; tail "$TMP/warren.log"; exit 1; }
BASE=http://$(cat "$TMP/data/listen"); TOKEN=$(cat "$TMP/data/token")

warren() { # one create-to-first-exec; prints ms
  python3 - "$BASE" "$TOKEN" <<'PY'
import json, sys, time, urllib.request
base, token = sys.argv[1], sys.argv[2]
def call(method, path, body=None):
    r = urllib.request.Request(base + path, method=method, data=None if body is None else json.dumps(body).encode(),
        headers={"Authorization": "Bearer " + token, "Content-Type": "application/json"})
    with urllib.request.urlopen(r, timeout=300) as resp:
        return json.loads(resp.read() or b"{}")
t0 = time.monotonic()
sid = call("POST", "/v1/sandboxes", {"limits": {"memoryMb": 384, "cpus": 1}})["id"]
out = call("POST", "/v1/sandboxes/%s/exec" % sid, {"command": "true"})
ms = (time.monotonic() - t0) * 1000
assert out["exitCode"] == 0, out
call("DELETE", "/v1/sandboxes/" + sid)
print(round(ms))
PY
}

# the first create makes the runtime's own base disk of the image: not counted
warren >/dev/null
f=(); w=()
for i in $(seq "$RUNS"); do
  f+=("$(floor)"); w+=("$(warren)")
  echo "run $i: plain QEMU boot to first command ${f[-1]} ms, Warren microvm create-to-first-exec ${w[-1]} ms (load $(cut -d' ' -f1 /proc/loadavg))"
done
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
mf=$(median "${f[@]}"); mw=$(median "${w[@]}")
echo "median of $RUNS (TCG): floor $mf ms, Warren $mw ms, ratio $(awk -v a="$mw" -v b="$mf" 'BEGIN {printf "%.2f", a/b}') (target: cold <= 1.3x the floor)"
