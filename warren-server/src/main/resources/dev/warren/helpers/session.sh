# Warren shell session driver. This bash process IS the session's shell: each command is sourced
# into it, so the working directory, variables, functions, aliases, options and traps persist from
# one command to the next. Never a subshell.
#
#   bash /.warren/session.sh SESSION_ID [resume]
#
# Files, all in /var/lib/warren/sessions/SESSION_ID (the controller reads them from the host). A
# command is known by its sequence number N in the session. The controller makes each command's
# files before the command is submitted (creating files is the slow part on disk), so this shell
# only writes into them:
#   ctl          FIFO of frames (protocol warren-guest 1, see docs/architecture.md, "the seam"):
#                "warren-guest <version>" hello, written by the controller whenever it attaches; a
#                version this shell does not speak is refused (the reason in "refused") and the
#                shell ends for good. A command is a frame "<N> <command id> <stdin: null|file|fifo>
#                <length>" then, when length > 0, the command text itself, exactly that many bytes
#   N.cmd        the command text when it was not sent through ctl (length 0): long commands
#   N.in         the command's stdin: a file (stdin given in full) or a FIFO (stdin kept open), else /dev/null
#   N.in-open    made once this shell has opened the FIFO, so that the controller may close its end
#   N.exit       written when it ends: "<exit code> <start µs> <end µs> [shell-restarted]"
#   out/N.out    stdout, out/N.err stderr, byte for byte (a directory of their own, so that
#                watching the session directory is not flooded by output)
#   ready        "<pid> <generation of this shell> warren-guest 1" once the shell reads commands
#   refused      why this shell refused the controller's protocol version
#   state        the shell's state, saved when it exits so that a new shell can take it over
# Every name of ours starts with __warren_, so a command's own names never collide with them.

__warren_sid=$1
__warren_dir=/var/lib/warren/sessions/$1
__warren_cid=
__warren_running=
__warren_restarts=0
__warren_last=0

exec </dev/null >/dev/null 2>&1
exec 3<>"$__warren_dir/ctl" || exit 97
shopt -s expand_aliases

# Saves everything a command may have changed, for the shell that replaces this one.
#   $1: the shell's options as `set +o; shopt -p` printed them before the exit turned them off
__warren_save() {
  local __warren_v
  {
    printf 'cd -- %q 2>/dev/null\n' "$PWD"
    printf '__warren_last=%s\n' "$__warren_last"
    for __warren_v in $(compgen -v); do
      case $__warren_v in
        __warren_*|BASH|BASH_*|BASHOPTS|BASHPID|SHELLOPTS|EUID|UID|PPID|GROUPS|FUNCNAME|LINENO|RANDOM|SRANDOM|SECONDS|\
        EPOCHREALTIME|EPOCHSECONDS|HISTCMD|PIPESTATUS|_|COMP_*|DIRSTACK|OPTIND|OPTARG|SHLVL|MACHTYPE|HOSTTYPE|OSTYPE|WARREN_COMMAND_ID)
          continue ;;
      esac
      declare -p "$__warren_v" 2>/dev/null
    done
    declare -F | while read -r _ _ __warren_v; do
      case $__warren_v in __warren_*) ;; *) declare -f "$__warren_v" ;; esac
    done
    alias -p
    printf 'umask %s\n' "$(umask)"
    trap -p | grep -v -e ' EXIT$' -e ' SIGINT$'
    printf '%s\n' "$1"
  } > "$__warren_dir/state.tmp" 2>/dev/null
  command mv -f "$__warren_dir/state.tmp" "$__warren_dir/state" 2>/dev/null
}

# A command ran `exit` (or `set -e` tripped): record how it ended, save the state, and carry on
# in a new shell that restores it. Same process (exec), same session.
__warren_on_exit() {
  local __warren_rc=$?
  local __warren_opts=$(set +o; shopt -p)
  # the options a command set (errexit, nounset, ...) must not end this trap halfway
  set +e +u
  set +o pipefail
  # keep the control FIFO open across the exec, so that nothing queued in it is lost
  exec 3<>"$__warren_dir/ctl" </dev/null >/dev/null 2>&1
  if [[ -n $__warren_running ]]; then
    printf '%s %s %s shell-restarted\n' "$__warren_rc" "$__warren_started" "${EPOCHREALTIME/./}" > "$__warren_dir/$__warren_seq.exit"
  fi
  # a shell that `set -e` ended comes back without -e: with it, every failing command would end it again
  __warren_save "${__warren_opts//set -o errexit/set +o errexit}"
  exec /bin/bash /.warren/session.sh "$__warren_sid" resume
}

if [[ $2 == resume && -f $__warren_dir/state ]]; then
  # `|| :` keeps a restored `set -e` from ending the shell on a line that cannot be restored
  . "$__warren_dir/state" >/dev/null 2>&1 || :
  __warren_restarts=1
fi
# Interrupt: abandon the rest of the running command; a `return` run by a trap ends the sourced file.
__warren_int_trap='[[ -n $__warren_running ]] && return 130'
trap __warren_on_exit EXIT
trap "$__warren_int_trap" INT
printf '%s %s warren-guest 1\n' "$$" "${EPOCHREALTIME/./}" > "$__warren_dir/ready"

while :; do
  while IFS=' ' read -r -u 3 __warren_seq __warren_cid __warren_stdin __warren_len; do
    __warren_text=
    if [[ $__warren_len =~ ^[0-9]+$ ]] && (( __warren_len > 0 )); then
      LC_ALL=C IFS= read -r -N "$__warren_len" -u 3 __warren_text
    fi
    if [[ $__warren_seq == warren-guest ]]; then
      [[ $__warren_cid == 1 ]] && continue
      printf 'this shell speaks warren-guest 1; the controller asked for version %s\n' "'$__warren_cid'" > "$__warren_dir/refused.tmp"
      command mv -f "$__warren_dir/refused.tmp" "$__warren_dir/refused"
      trap - EXIT
      exit 98
    fi
    # a command runs once: skip what this shell (or the one before it) already ran
    [[ $__warren_seq =~ ^[0-9]+$ ]] || continue
    (( __warren_seq > __warren_last )) || continue
    [[ -s $__warren_dir/$__warren_seq.exit ]] && continue
    __warren_last=$__warren_seq
    __warren_in=/dev/null
    [[ $__warren_stdin == file ]] && __warren_in=$__warren_dir/$__warren_seq.in
    # the command reads its stdin from a descriptor opened here (the lowest free one from 10, so
    # that none a command keeps open across commands is touched), duplicated, never reopened:
    # reopening a FIFO through /dev/fd/N would wait for a writer the controller may have closed
    if [[ $__warren_stdin == fifo ]]; then
      # open the FIFO first and say so: until then the controller keeps its end open, so that
      # nothing written (or an early end of file) is lost
      exec {__warren_fd}<"$__warren_dir/$__warren_seq.in"
      : > "$__warren_dir/$__warren_seq.in-open"
    else
      exec {__warren_fd}<"$__warren_in"
    fi
    __warren_started=${EPOCHREALTIME/./}
    export WARREN_COMMAND_ID=$__warren_cid
    __warren_running=1
    if [[ -n $__warren_text ]]; then
      . /dev/fd/9 9<<<"$__warren_text" <&"$__warren_fd" > "$__warren_dir/out/$__warren_seq.out" 2> "$__warren_dir/out/$__warren_seq.err" 3<&-
    else
      . "$__warren_dir/$__warren_seq.cmd" <&"$__warren_fd" > "$__warren_dir/out/$__warren_seq.out" 2> "$__warren_dir/out/$__warren_seq.err" 3<&-
    fi
    __warren_rc=$?
    exec {__warren_fd}<&-
    __warren_running=
    unset WARREN_COMMAND_ID
    trap __warren_on_exit EXIT
    trap "$__warren_int_trap" INT
    printf '%s %s %s\n' "$__warren_rc" "$__warren_started" "${EPOCHREALTIME/./}" > "$__warren_dir/$__warren_seq.exit"
    __warren_cid=
  done
  # a command's stray `break` or `continue` ended the loop: finish it and go on reading
  if [[ -n $__warren_running ]]; then
    __warren_running=
    printf '%s %s %s\n' "$?" "$__warren_started" "${EPOCHREALTIME/./}" > "$__warren_dir/$__warren_seq.exit"
    __warren_cid=
  fi
done
