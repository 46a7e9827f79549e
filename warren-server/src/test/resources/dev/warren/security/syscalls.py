# Tries system calls from inside a sandbox, the way an attacker would: raw syscall(2) through ctypes,
# so that neither libc nor a missing tool hides the kernel's answer. x86_64 numbers.
#
#   python3 syscalls.py NAME...   prints one line per probe: NAME=ok or NAME=<errno name>
import ctypes, errno, os, socket, sys

libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long

CLONE_NEWNS, CLONE_NEWCGROUP, CLONE_NEWUTS, CLONE_NEWIPC = 0x00020000, 0x02000000, 0x04000000, 0x08000000
CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET = 0x10000000, 0x20000000, 0x40000000
SIGCHLD = 17
AT_FDCWD = -100


def raw(nr, *args):
    conv = [ctypes.c_long(a) if isinstance(a, int) else a for a in args]
    r = libc.syscall(ctypes.c_long(nr), *conv)
    return r, ctypes.get_errno()


def clone(flags):
    # fork-like: no new stack, the child returns 0 here and leaves at once
    r, e = raw(56, flags | SIGCHLD, 0, 0, 0, 0)
    if r == 0:
        os._exit(0)
    if r > 0:
        os.waitpid(r, 0)
    return r, e


def buf(n):
    return ctypes.create_string_buffer(n)


def perf_attr():
    a = buf(128)
    ctypes.c_uint32.from_buffer(a, 0).value = 1  # PERF_TYPE_SOFTWARE
    ctypes.c_uint32.from_buffer(a, 4).value = 128  # size; config 0 = PERF_COUNT_SW_CPU_CLOCK
    ctypes.c_uint64.from_buffer(a, 40).value = (1 << 0) | (1 << 5) | (1 << 6)  # disabled, exclude_kernel, exclude_hv
    return a


def ns_fd(kind):
    return os.open("/proc/1/ns/" + kind, os.O_RDONLY)


def handle():
    h = buf(136)
    ctypes.c_uint32.from_buffer(h, 0).value = 128
    return h


PROBES = {
    "unshare_user": lambda: raw(272, CLONE_NEWUSER),
    "unshare_mount": lambda: raw(272, CLONE_NEWNS),
    "unshare_net": lambda: raw(272, CLONE_NEWNET),
    "unshare_pid": lambda: raw(272, CLONE_NEWPID),
    "unshare_cgroup": lambda: raw(272, CLONE_NEWCGROUP),
    "clone_newuser": lambda: clone(CLONE_NEWUSER),
    "clone_newns": lambda: clone(CLONE_NEWNS),
    "clone_newnet": lambda: clone(CLONE_NEWNET),
    "clone_newpid": lambda: clone(CLONE_NEWPID),
    "clone_newuts": lambda: clone(CLONE_NEWUTS),
    "clone_newipc": lambda: clone(CLONE_NEWIPC),
    "clone_plain": lambda: clone(0),
    "clone3": lambda: raw(435, 0, 0),
    "setns_net": lambda: raw(308, ns_fd("net"), 0),
    "setns_mnt": lambda: raw(308, ns_fd("mnt"), 0),
    "setns_user": lambda: raw(308, ns_fd("user"), 0),
    "mount_tmpfs": lambda: raw(165, b"none", b"/mnt", b"tmpfs", 0, 0),
    "mount_proc": lambda: raw(165, b"proc", b"/mnt", b"proc", 0, 0),
    "umount2": lambda: raw(166, b"/proc", 2),
    "pivot_root": lambda: raw(155, b"/tmp", b"/tmp"),
    "fsopen": lambda: raw(430, b"tmpfs", 0),
    "open_tree": lambda: raw(428, AT_FDCWD, b"/tmp", 1),
    "keyctl": lambda: raw(250, 0, -3, 1),  # KEYCTL_GET_KEYRING_ID of the session keyring, create it
    "add_key": lambda: raw(248, b"user", b"warren-probe", b"x", 1, -2),
    "request_key": lambda: raw(249, b"user", b"warren-probe", 0, 0),
    "bpf": lambda: raw(321, 0, buf(72), 72),
    "perf_event_open": lambda: raw(298, perf_attr(), 0, -1, -1, 0),
    "userfaultfd": lambda: raw(323, 1),  # UFFD_USER_MODE_ONLY
    "io_uring_setup": lambda: raw(425, 1, buf(120)),
    "io_uring_enter": lambda: raw(426, -1, 0, 0, 0, 0, 0),
    "io_uring_register": lambda: raw(427, -1, 0, 0, 0),
    "kexec_load": lambda: raw(246, 0, 0, 0, 0),
    "kexec_file_load": lambda: raw(320, -1, -1, 0, 0, 0),
    "init_module": lambda: raw(175, 0, 0, b""),
    "finit_module": lambda: raw(313, -1, b"", 0),
    "delete_module": lambda: raw(176, b"loop", 0),
    "open_by_handle_at": lambda: raw(304, AT_FDCWD, handle(), 0),
    "name_to_handle_at": lambda: raw(303, AT_FDCWD, b"/", handle(), buf(4), 0),
    "lookup_dcookie": lambda: raw(212, 0, 0, 0),
    "acct": lambda: raw(163, 0),
    "swapon": lambda: raw(167, b"/tmp/swap", 0),
    "swapoff": lambda: raw(168, b"/tmp/swap"),
    "reboot": lambda: raw(169, 0xfee1dead, 672274793, 0, 0),  # LINUX_REBOOT_CMD_CAD_OFF: harmless
    "syslog": lambda: raw(103, 3, buf(64), 64),
    "settimeofday": lambda: raw(164, 0, buf(8)),  # only the time zone
    "clock_settime": lambda: raw(227, 0, buf(16)),
    "quotactl": lambda: raw(179, 0x800002, b"/", 0, 0),  # Q_GETINFO
    "sethostname": lambda: raw(170, b"x", 1),
    "personality_bsd": lambda: raw(135, 6),  # PER_BSD
    "personality_query": lambda: raw(135, 0xffffffff),
    "kcmp": lambda: raw(312, os.getpid(), os.getpid(), 0, 0, 0),
    "pidfd_getfd": lambda: raw(438, -1, 0, 0),
    "process_madvise": lambda: raw(440, -1, 0, 0, 0, 0),
    "set_mempolicy": lambda: raw(238, 0, 0, 0),
    "mbind": lambda: raw(237, 0, 0, 0, 0, 0, 0),
    "iopl": lambda: raw(172, 3),
    "ioperm": lambda: raw(173, 0x80, 1, 1),
    "vhangup": lambda: raw(153),
    "fanotify_init": lambda: raw(300, 0, 0),
    "mknod_char": lambda: raw(133, b"/tmp/probe-char", 0o20600, os.makedev(1, 1)),
    "mknod_block": lambda: raw(133, b"/tmp/probe-block", 0o60600, os.makedev(8, 0)),
    "socket_packet": lambda: raw(41, socket.AF_PACKET, socket.SOCK_RAW, 0),
    "socket_raw_icmp": lambda: raw(41, socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP),
    "socket_alg": lambda: raw(41, 38, socket.SOCK_SEQPACKET, 0),
    "socket_vsock": lambda: raw(41, 40, socket.SOCK_STREAM, 0),
    "socket_tcp": lambda: raw(41, socket.AF_INET, socket.SOCK_STREAM, 0),
    "getpid": lambda: raw(39),
}

for name in sys.argv[1:]:
    try:
        r, e = PROBES[name]()
        print(name + "=" + ("ok" if r >= 0 else errno.errorcode.get(e, str(e))))
    except OSError as x:  # opening a namespace file, say
        print(name + "=" + errno.errorcode.get(x.errno, str(x.errno)))
    sys.stdout.flush()
