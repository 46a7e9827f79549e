#!/bin/bash
# Warren microVM agent: speaks protocol warren-guest 1 over the virtio serial port warren.guest.
# The controller sends frames (see docs/microvm.md):
#   warren-guest 1\n                                        hello; answered with a ready frame
#   exec <id> <timeout s> <max out> <argv> <env> <cwd> <length>\n<argv\0...><env\0...><cwd><stdin>
# and gets back, one writer at a time (flock):
#   ready <pid> warren-guest 1 0\n
#   exit <id> <code> <timed out 0|1> <stdout size> <stderr size> <stdout bytes> <length>\n<stdout><stderr>
set -u
port=
for n in /sys/class/virtio-ports/*/name; do
  [[ -f $n && $(<"$n") == warren.guest ]] && { d=${n%/name}; port=/dev/${d##*/}; }
done
[[ -n $port ]] || { echo "warren-agent: no virtio port warren.guest" > /dev/console; exit 1; }
exec 3<>"$port"
work=/run/warren/exec
mkdir -p "$work"
mapfile -d '' -t base_env < /run/warren/env
# a FIFO nobody writes to: read -t on it is a wait without a fork (sleep would fork 5 times a second)
[[ -p /run/warren/idle ]] || mkfifo -m 0600 /run/warren/idle
exec 4<>/run/warren/idle

send() { # a file with a whole frame, written under the port lock so frames never interleave
  flock /run/warren/port.lock cat "$1" >&3
}

run() {
  local id=$1 limit=$2 max=$3 d=$work/$1 code timed=0 start=$SECONDS
  local argv envv cwd
  mapfile -d '' -t argv < "$d/argv"
  mapfile -d '' -t envv < "$d/env"
  cwd=$(<"$d/cwd")
  (
    cd "${cwd:-/}" 2>/dev/null || { echo "warren: no directory ${cwd}" >&2; exit 127; }
    exec env -i "${base_env[@]}" "${envv[@]}" setsid timeout -s KILL "$limit" "${argv[@]}"
  ) < "$d/in" > "$d/out" 2> "$d/err"
  code=$?
  if [[ $code -eq 137 ]] && (( SECONDS - start >= limit )); then timed=1; fi
  local osz esz olen elen
  osz=$(stat -c %s "$d/out"); esz=$(stat -c %s "$d/err")
  olen=$(( osz < max ? osz : max )); elen=$(( esz < max ? esz : max ))
  {
    printf 'exit %s %s %s %s %s %s %s\n' "$id" "$code" "$timed" "$osz" "$esz" "$olen" $((olen + elen))
    head -c "$olen" "$d/out"
    head -c "$elen" "$d/err"
  } > "$d/frame"
  send "$d/frame"
  rm -rf "$d"
}

# Until the controller connects (and after it goes away) the port reads as at its end: wait and read
# again, keeping the port open (closing it would also drop the controller's next connection).
# Answers written meanwhile wait in the port until a controller reads them.
while true; do
  if ! read -r -u 3 verb a b c d e f g h; then
    read -r -t 0.2 -u 4 _ || true
    continue
  fi
  case $verb in
    warren-guest)
      if [[ $a == 1 ]]; then
        printf 'ready %s warren-guest 1 0\n' "$$" > "$work/ready"
      else
        printf 'refused %s warren-guest 1 0\n' "$$" > "$work/ready"
      fi
      send "$work/ready" ;;
    exec)
      # exec <id> <timeout> <max> <argv len> <env len> <cwd len> <length>
      [[ $a =~ ^[A-Za-z0-9_-]+$ && "$b$c$d$e$f$g" =~ ^[0-9]+$ ]] || { echo "warren-agent: bad frame: exec $a" > /dev/console; exit 2; }
      mkdir -p "$work/$a"
      head -c "$d" <&3 > "$work/$a/argv"
      head -c "$e" <&3 > "$work/$a/env"
      head -c "$f" <&3 > "$work/$a/cwd"
      head -c $((g - d - e - f)) <&3 > "$work/$a/in"
      run "$a" "$b" "$c" & ;;
    *)
      echo "warren-agent: unknown frame '$verb'" > /dev/console
      exit 2 ;;
  esac
done
