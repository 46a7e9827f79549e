# Warren's agent inside a sandbox: runs one-shot commands and starts session shells, on requests
# the controller writes to a FIFO. It holds no state of its own; everything is in files.
#
# The FIFO carries frames (protocol warren-guest 1, see docs/architecture.md, "the seam"):
#   warren-guest <version>\n          hello: the controller's protocol version, before its first
#                                       request (again after every controller restart)
#   <kind> <length>\n<payload>         a request: kind exec or spawn, then exactly <length> bytes
#                                       of payload "<id> <marker> <has>"
# A hello of a version this agent does not speak is refused: the reason goes to "refused", and
# until a hello it knows every request is answered with <id>.refused instead of being run.
#
#   /var/lib/warren/agent/ctl        the FIFO of frames
#   <id>.argv  <id>.env              NUL-separated program + arguments, and NAME=value pairs
#   <id>.cwd                          working directory
#   <id>.in                           stdin (a file; absent means /dev/null)
#   <id>.pid                          pid of the program, leader of its process group (exec) or session (spawn)
#   <id>.out  <id>.err  <id>.exit     output, and the exit code once it ended (exec only)
#   <id>.refused                      why the request was not run (no hello of a version this agent speaks)
#   env                               NAME=value pairs (NUL-separated) given to every request before its own
#                                       <id>.env: the sandbox's environment when the controller set it after
#                                       the start (a pooled sandbox handed over to its caller)
#   hello                             the version this agent accepted (a restarted agent goes on with it)
#   ready                             "<pid> warren-guest 1" once this agent reads frames
#   refused                           why the last hello or request was refused

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
  [[ -f $__warren_dir/env ]] && while IFS= read -r -d '' kv; do export "$kv"; done < "$__warren_dir/env"
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
  [[ -f $__warren_dir/env ]] && while IFS= read -r -d '' kv; do export "$kv"; done < "$__warren_dir/env"
  [[ $3 == e* ]] && while IFS= read -r -d '' kv; do export "$kv"; done < "$d.env"
  [[ $3 == ?c* ]] && IFS= read -r -d '' cwd < "$d.cwd"
  cd -- "$cwd" 2>/dev/null || cd /
  # job control on: without it a background job starts with SIGINT ignored, and a shell that
  # starts so cannot trap it
  set -m
  setsid -- "${argv[@]}" </dev/null >/dev/null 2>&1 &
  printf '%s\n' "$!" > "$d.pid"
}

__warren_protocol=1
# Refuses a frame: says why in "refused" (written whole, then renamed), and goes on reading.
__warren_refuse() {
  printf '%s\n' "$1" > "$__warren_dir/refused.tmp" && mv -f "$__warren_dir/refused.tmp" "$__warren_dir/refused"
}
__warren_version=
[[ -f $__warren_dir/hello ]] && __warren_version=$(< "$__warren_dir/hello")
printf '%s warren-guest %s\n' "$$" "$__warren_protocol" > "$__warren_dir/ready"
while :; do
  while read -r -u 3 __warren_kind __warren_len; do
    if [[ $__warren_kind == warren-guest ]]; then
      if [[ $__warren_len == "$__warren_protocol" ]]; then
        __warren_version=$__warren_len
        printf '%s\n' "$__warren_version" > "$__warren_dir/hello"
      else
        __warren_version=
        __warren_refuse "this agent speaks warren-guest $__warren_protocol; the controller asked for version '$__warren_len'; requests are ignored until a hello of version $__warren_protocol"
      fi
      continue
    fi
    __warren_body=
    if [[ $__warren_len =~ ^[0-9]+$ ]] && (( __warren_len > 0 )); then
      LC_ALL=C IFS= read -r -N "$__warren_len" -u 3 __warren_body
    fi
    read -r __warren_id __warren_marker __warren_has <<< "$__warren_body"
    if [[ $__warren_version != "$__warren_protocol" ]]; then
      # answered, so that the controller does not wait for it: <id>.refused says why
      [[ $__warren_id =~ ^[0-9a-f]+$ ]] && printf 'no hello of warren-guest %s came before this request\n' "$__warren_protocol" > "$__warren_dir/$__warren_id.refused"
      continue
    fi
    case $__warren_kind in
      exec) __warren_exec "$__warren_id" "$__warren_marker" "$__warren_has" & ;;
      spawn) __warren_spawn "$__warren_id" "$__warren_marker" "$__warren_has" & ;;
      *) __warren_refuse "unknown request kind '$__warren_kind' (warren-guest $__warren_protocol knows exec and spawn); ignored" ;;
    esac
  done
done
