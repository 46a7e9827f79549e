# Warren's agent inside a sandbox: runs one-shot commands and starts session shells, on requests
# the controller writes to a FIFO. It holds no state of its own; everything is in files:
#
#   /var/lib/warren/agent/ctl        FIFO, one request a line:  exec|spawn <id> <marker> <has>
#   <id>.argv  <id>.env              NUL-separated program + arguments, and NAME=value pairs
#   <id>.cwd                          working directory
#   <id>.in                           stdin (a file; absent means /dev/null)
#   <id>.pid                          pid of the program, leader of its process group (exec) or session (spawn)
#   <id>.out  <id>.err  <id>.exit     output, and the exit code once it ended (exec only)
#   ready                             this agent's pid, once it reads requests

__warren_dir=/var/lib/warren/agent
# the controller makes the directory and the FIFO before the sandbox boots; this is the fallback
[[ -p $__warren_dir/ctl ]] || { mkdir -p "$__warren_dir"; rm -f "$__warren_dir/ctl"; mkfifo -m 0600 "$__warren_dir/ctl"; }
exec 3<>"$__warren_dir/ctl" </dev/null >/dev/null 2>&1

# Runs in a forked copy of the agent: sets the command up and runs it in a process group of its
# own (job control on), so that ending the group ends everything it started; waits for it.
#   $1 id, $2 marker, $3 which of env/cwd/in exist (e.g. "ec-")
__warren_exec() {
  local d=$__warren_dir/$1 kv cwd=/ in=/dev/null
  local -a argv
  exec 3<&-
  mapfile -d '' -t argv < "$d.argv"
  [[ $3 == e* ]] && while IFS= read -r -d '' kv; do export "$kv"; done < "$d.env"
  [[ $3 == ?c* ]] && IFS= read -r -d '' cwd < "$d.cwd"
  [[ $3 == ??i ]] && in=$d.in
  export WARREN_EXEC_ID=$2
  if ! cd -- "$cwd" 2>"$d.err"; then
    : > "$d.out"
    printf '%s\n' 1 > "$d.exit"
    return
  fi
  set -m
  "${argv[@]}" < "$in" > "$d.out" 2>> "$d.err" &
  printf '%s\n' "$!" > "$d.pid"
  wait "$!"
  printf '%s\n' "$?" > "$d.exit"
}

# Starts a long-lived program (a session shell) in a session of its own and forgets it.
__warren_spawn() {
  local d=$__warren_dir/$1 kv cwd=/
  local -a argv
  exec 3<&-
  mapfile -d '' -t argv < "$d.argv"
  [[ $3 == e* ]] && while IFS= read -r -d '' kv; do export "$kv"; done < "$d.env"
  [[ $3 == ?c* ]] && IFS= read -r -d '' cwd < "$d.cwd"
  cd -- "$cwd" 2>/dev/null || cd /
  # job control on: without it a background job starts with SIGINT ignored, and a shell that
  # starts so cannot trap it
  set -m
  setsid -- "${argv[@]}" </dev/null >/dev/null 2>&1 &
  printf '%s\n' "$!" > "$d.pid"
}

printf '%s\n' "$$" > "$__warren_dir/ready"
while :; do
  while read -r -u 3 __warren_kind __warren_id __warren_marker __warren_has; do
    case $__warren_kind in
      exec) __warren_exec "$__warren_id" "$__warren_marker" "$__warren_has" & ;;
      spawn) __warren_spawn "$__warren_id" "$__warren_marker" "$__warren_has" & ;;
    esac
  done
done
