# Warren's terminal relay inside a sandbox: runs a login shell on a pseudo-terminal and relays it
# through FIFOs the controller made (it owns no network port):
#   python3 /.warren/terminal.py DIR COLS ROWS
#   DIR/in   bytes typed by the user, to the terminal
#   DIR/out  everything the terminal prints, to the user
#   DIR/ctl  lines "resize COLS ROWS"
#   DIR/exit written with the shell's exit status when it ends
import fcntl, os, pty, select, signal, struct, sys, termios

def winsize(fd, cols, rows):
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))

def main():
    d, cols, rows = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    pid, master = pty.fork()
    if pid == 0:
        os.environ["TERM"] = os.environ.get("TERM", "xterm-256color")
        os.chdir(os.environ.get("HOME", "/"))
        shell = "/bin/bash" if os.path.exists("/bin/bash") else "/bin/sh"
        os.execv(shell, [shell, "-l"])
    winsize(master, cols, rows)
    inp = os.open(d + "/in", os.O_RDWR | os.O_NONBLOCK)
    ctl = os.open(d + "/ctl", os.O_RDWR | os.O_NONBLOCK)
    out = os.open(d + "/out", os.O_WRONLY)  # waits for the controller to read
    ctl_buf = b""
    status = 0
    try:
        while True:
            readable, _, _ = select.select([master, inp, ctl], [], [])
            if master in readable:
                try:
                    data = os.read(master, 65536)
                except OSError:
                    data = b""
                if not data:
                    break
                os.write(out, data)
            if inp in readable:
                data = os.read(inp, 65536)
                if data:
                    os.write(master, data)
            if ctl in readable:
                ctl_buf += os.read(ctl, 4096)
                while b"\n" in ctl_buf:
                    line, ctl_buf = ctl_buf.split(b"\n", 1)
                    parts = line.split()
                    if len(parts) == 3 and parts[0] == b"resize":
                        winsize(master, int(parts[1]), int(parts[2]))
                        os.kill(pid, signal.SIGWINCH)
    except BrokenPipeError:
        os.kill(pid, signal.SIGHUP)
    finally:
        try:
            _, st = os.waitpid(pid, 0)
            status = os.waitstatus_to_exitcode(st)
        except ChildProcessError:
            pass
        with open(d + "/exit.tmp", "w") as f:
            f.write("%d\n" % status)
        os.rename(d + "/exit.tmp", d + "/exit")

main()
