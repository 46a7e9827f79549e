package dev.warren.host;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;

/**
 * The few Linux system calls Warren needs that the JDK lacks, through the FFM API (the new mount API and openat2 share their numbers on every 64-bit architecture). Thread-safe: every call uses its own confined arena.
 */
public final class Syscalls {
  public static final int O_RDONLY = 0;
  public static final int O_WRONLY = 1;
  public static final int O_RDWR = 2;
  public static final int O_CREAT = 0100;
  public static final int O_EXCL = 0200;
  public static final int O_TRUNC = 01000;
  public static final int O_DIRECTORY = 0200000;
  public static final int O_NOFOLLOW = 0400000;
  public static final int O_CLOEXEC = 02000000;
  public static final int O_PATH = 010000000;
  public static final int AT_FDCWD = -100;
  public static final int AT_REMOVEDIR = 0x200;
  public static final int AT_EMPTY_PATH = 0x1000;
  public static final int AT_RECURSIVE = 0x8000;
  public static final long RESOLVE_NO_MAGICLINKS = 0x02;
  public static final long RESOLVE_IN_ROOT = 0x10;
  public static final int MNT_DETACH = 2;
  public static final int ENOENT = 2;
  public static final int EEXIST = 17;
  public static final int EINVAL = 22;
  public static final int ENOTDIR = 20;
  public static final int EISDIR = 21;
  public static final int ENOTEMPTY = 39;
  public static final int ELOOP = 40;
  public static final int ENODATA = 61;
  public static final int EOPNOTSUPP = 95;
  /** Namespace type for {@link #setns}: a network namespace. */
  public static final int CLONE_NEWNET = 0x40000000;

  private static final int OPEN_TREE_CLONE = 1;
  private static final int MOVE_MOUNT_F_EMPTY_PATH = 0x4;
  private static final long MOUNT_ATTR_IDMAP = 0x100000;
  private static final long MOUNT_ATTR_RDONLY = 0x1;

  private static final long SYS_OPENAT2 = 437;
  private static final long SYS_OPEN_TREE = 428;
  private static final long SYS_MOVE_MOUNT = 429;
  private static final long SYS_MOUNT_SETATTR = 442;

  static final StructLayout STATE = Linker.Option.captureStateLayout();
  private static final VarHandle ERRNO = STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
  private static final Linker.Option CAPTURE = Linker.Option.captureCallState("errno");

  private static final Downcall SYSCALL = new Downcall("syscall",
      FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG,
          ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG),
      CAPTURE, Linker.Option.firstVariadicArg(1));
  private static final Downcall OPENAT = fn("openat",
      FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT),
      true);
  private static final Downcall CLOSE = fn("close",
      FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT), false);
  private static final Downcall MOUNT = fn("mount",
      FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.ADDRESS,
          ValueLayout.JAVA_LONG, ValueLayout.ADDRESS), false);
  private static final Downcall UMOUNT2 = fn("umount2",
      FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT), false);
  private static final Downcall FCHOWN = fn("fchown",
      FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT), false);
  private static final Downcall FCHMOD = fn("fchmod",
      FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT), false);
  private static final Downcall MKDIRAT = fn("mkdirat",
      FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT), false);
  private static final Downcall UNLINKAT = fn("unlinkat",
      FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT), false);
  private static final Downcall RENAMEAT = fn("renameat",
      FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.ADDRESS), false);
  private static final Downcall MKNODAT = fn("mknodat",
      FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG), false);
  private static final Downcall FCHOWNAT = fn("fchownat",
      FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
          ValueLayout.JAVA_INT), false);
  private static final Downcall WRITE = fn("write",
      FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG), false);
  private static final Downcall INOTIFY_INIT1 = fn("inotify_init1",
      FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT), false);
  private static final Downcall INOTIFY_ADD_WATCH = fn("inotify_add_watch",
      FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT), false);
  private static final Downcall INOTIFY_RM_WATCH = fn("inotify_rm_watch",
      FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT), false);
  private static final Downcall READ = fn("read",
      FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG), false);
  private static final Downcall POLL = fn("poll",
      FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT), false);
  private static final Downcall SETNS = fn("setns",
      FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT), false);
  private static final Downcall KILL = fn("kill",
      FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT), false);
  private static final Downcall SETPRIORITY = fn("setpriority",
      FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT), false);
  private static final Downcall STRERROR = new Downcall("strerror",
      FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
  private static final Downcall LGETXATTR = fn("lgetxattr",
      FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG), false);
  private static final Downcall UMASK = new Downcall("umask",
      FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));

  private Syscalls() {}

  /**
   * Binds the calls a controller's start makes first (its first native call also loads the linker,
   * the larger part of the cost): for a thread that warms up beside the start's other work.
   */
  public static void bindFirstCalls() {
    OPENAT.handle();
    CLOSE.handle();
  }

  /** The C library's {@code name}, setting errno in a {@link #STATE} segment passed first; bound at its first call. */
  static Downcall fn(String name, FunctionDescriptor d, boolean variadicAfter3) {
    return variadicAfter3 ? new Downcall(name, d, CAPTURE, Linker.Option.firstVariadicArg(3)) : new Downcall(name, d, CAPTURE);
  }

  public static String strerror(int errno) {
    try {
      MemorySegment p = (MemorySegment) STRERROR.handle().invokeExact(errno);
      return p.reinterpret(256).getString(0);
    } catch (Throwable t) {
      return "errno " + errno;
    }
  }

  /**
   * umask(2): sets the process's file mode creation mask (every thread's, and what children
   * inherit); returns the previous one. It cannot fail.
   */
  public static int umask(int mask) {
    try {
      return (int) UMASK.handle().invokeExact(mask);
    } catch (Throwable t) {
      throw new IllegalStateException(t);
    }
  }

  /** setpriority(2) with {@code PRIO_PROCESS} of one thread ({@code tid}): its nice value, -20..19 (lowering it needs root). */
  public static void setThreadNice(int tid, int nice) {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment st = a.allocate(STATE);
      if ((int) SETPRIORITY.handle().invokeExact(st, 0, tid, nice) != 0) {
        throw fail("setpriority", "thread " + tid, st);
      }
    } catch (SyscallException e) {
      throw e;
    } catch (Throwable t) {
      throw new IllegalStateException(t);
    }
  }

  static SyscallException fail(String call, String subject, MemorySegment state) {
    int errno = (int) ERRNO.get(state, 0L);
    return new SyscallException(call, subject, errno, strerror(errno));
  }

  private static long syscall(MemorySegment st, long nr, long a1, long a2, long a3, long a4, long a5) {
    try {
      return (long) SYSCALL.handle().invokeExact(st, nr, a1, a2, a3, a4, a5);
    } catch (Throwable t) {
      throw new IllegalStateException(t);
    }
  }

  public static int openat(int dirfd, String path, int flags, int mode) {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment st = a.allocate(STATE);
      int fd = (int) OPENAT.handle().invokeExact(st, dirfd, a.allocateFrom(path), flags | O_CLOEXEC, mode);
      if (fd < 0) {
        throw fail("openat", path, st);
      }
      return fd;
    } catch (SyscallException e) {
      throw e;
    } catch (Throwable t) {
      throw new IllegalStateException(t);
    }
  }

  /**
   * The extended attribute {@code name} of {@code path} itself (a final link not followed), at
   * most 4 KiB of it; empty when the file has none of that name or the filesystem none at all.
   */
  public static java.util.Optional<byte[]> lgetxattr(String path, String name) {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment st = a.allocate(STATE);
      MemorySegment value = a.allocate(4096);
      long n = (long) LGETXATTR.handle().invokeExact(st, a.allocateFrom(path), a.allocateFrom(name), value, 4096L);
      if (n < 0) {
        int errno = (int) ERRNO.get(st, 0L);
        if (errno == ENODATA || errno == EOPNOTSUPP) {
          return java.util.Optional.empty();
        }
        throw fail("lgetxattr " + name, path, st);
      }
      return java.util.Optional.of(value.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE));
    } catch (SyscallException e) {
      throw e;
    } catch (Throwable t) {
      throw new IllegalStateException(t);
    }
  }

  public static int open(String path, int flags) {
    return openat(AT_FDCWD, path, flags, 0);
  }

  /** openat2(2) with {@code resolve} flags, e.g. {@link #RESOLVE_IN_ROOT} to stay inside {@code dirfd}. */
  public static int openat2(int dirfd, String path, int flags, int mode, long resolve) {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment st = a.allocate(STATE);
      MemorySegment how = a.allocate(24);
      how.set(ValueLayout.JAVA_LONG, 0, (long) (flags | O_CLOEXEC));
      how.set(ValueLayout.JAVA_LONG, 8, (long) mode);
      how.set(ValueLayout.JAVA_LONG, 16, resolve);
      long fd = syscall(st, SYS_OPENAT2, dirfd, a.allocateFrom(path).address(), how.address(), 24, 0);
      if (fd < 0) {
        throw fail("openat2", path, st);
      }
      return (int) fd;
    }
  }

  public static void close(int fd) {
    if (fd < 0) {
      return;
    }
    try (Arena a = Arena.ofConfined()) {
      // errors from close(2) on Linux still release the descriptor; there is nothing to retry
      int ignored = (int) CLOSE.handle().invokeExact(a.allocate(STATE), fd);
    } catch (Throwable t) {
      throw new IllegalStateException(t);
    }
  }

  public static void fchown(int fd, int uid, int gid) {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment st = a.allocate(STATE);
      if ((int) FCHOWN.handle().invokeExact(st, fd, uid, gid) < 0) {
        throw fail("fchown", "fd " + fd, st);
      }
    } catch (SyscallException e) {
      throw e;
    } catch (Throwable t) {
      throw new IllegalStateException(t);
    }
  }

  public static void fchmod(int fd, int mode) {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment st = a.allocate(STATE);
      if ((int) FCHMOD.handle().invokeExact(st, fd, mode) < 0) {
        throw fail("fchmod", "fd " + fd, st);
      }
    } catch (SyscallException e) {
      throw e;
    } catch (Throwable t) {
      throw new IllegalStateException(t);
    }
  }

  public static void mkdirat(int dirfd, String name, int mode) {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment st = a.allocate(STATE);
      if ((int) MKDIRAT.handle().invokeExact(st, dirfd, a.allocateFrom(name), mode) < 0) {
        throw fail("mkdirat", name, st);
      }
    } catch (SyscallException e) {
      throw e;
    } catch (Throwable t) {
      throw new IllegalStateException(t);
    }
  }

  public static void unlinkat(int dirfd, String name, int flags) {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment st = a.allocate(STATE);
      if ((int) UNLINKAT.handle().invokeExact(st, dirfd, a.allocateFrom(name), flags) < 0) {
        throw fail("unlinkat", name, st);
      }
    } catch (SyscallException e) {
      throw e;
    } catch (Throwable t) {
      throw new IllegalStateException(t);
    }
  }

  public static void renameat(int olddirfd, String oldname, int newdirfd, String newname) {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment st = a.allocate(STATE);
      if ((int) RENAMEAT.handle().invokeExact(st, olddirfd, a.allocateFrom(oldname), newdirfd, a.allocateFrom(newname)) < 0) {
        throw fail("renameat", oldname + " -> " + newname, st);
      }
    } catch (SyscallException e) {
      throw e;
    } catch (Throwable t) {
      throw new IllegalStateException(t);
    }
  }

  public static final int S_IFIFO = 0010000;
  public static final int O_NONBLOCK = 04000;
  public static final int AT_SYMLINK_NOFOLLOW = 0x100;
  public static final int ENXIO = 6;
  public static final int EAGAIN = 11;
  public static final int EPIPE = 32;

  /** mknodat(2) for FIFOs: {@code mode} includes {@link #S_IFIFO}. */
  public static void mknodat(int dirfd, String name, int mode) {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment st = a.allocate(STATE);
      if ((int) MKNODAT.handle().invokeExact(st, dirfd, a.allocateFrom(name), mode, 0L) < 0) {
        throw fail("mknodat", name, st);
      }
    } catch (SyscallException e) {
      throw e;
    } catch (Throwable t) {
      throw new IllegalStateException(t);
    }
  }

  public static void fchownat(int dirfd, String name, int uid, int gid, int flags) {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment st = a.allocate(STATE);
      if ((int) FCHOWNAT.handle().invokeExact(st, dirfd, a.allocateFrom(name), uid, gid, flags) < 0) {
        throw fail("fchownat", name, st);
      }
    } catch (SyscallException e) {
      throw e;
    } catch (Throwable t) {
      throw new IllegalStateException(t);
    }
  }

  /** write(2) of all of {@code data} (for FIFOs opened non-blocking: may throw EAGAIN). */
  public static void writeFully(int fd, byte[] data) {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment st = a.allocate(STATE);
      MemorySegment buf = a.allocateFrom(ValueLayout.JAVA_BYTE, data);
      long off = 0;
      while (off < data.length) {
        long n = (long) WRITE.handle().invokeExact(st, fd, buf.asSlice(off), (long) data.length - off);
        if (n < 0) {
          throw fail("write", "fd " + fd, st);
        }
        off += n;
      }
    } catch (SyscallException e) {
      throw e;
    } catch (Throwable t) {
      throw new IllegalStateException(t);
    }
  }

  public static int inotifyInit() {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment st = a.allocate(STATE);
      int fd = (int) INOTIFY_INIT1.handle().invokeExact(st, O_CLOEXEC);
      if (fd < 0) {
        throw fail("inotify_init1", "", st);
      }
      return fd;
    } catch (SyscallException e) {
      throw e;
    } catch (Throwable t) {
      throw new IllegalStateException(t);
    }
  }

  /** Adds (or, for a directory already watched, returns) a watch descriptor. */
  public static int inotifyAddWatch(int fd, String path, int mask) {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment st = a.allocate(STATE);
      int wd = (int) INOTIFY_ADD_WATCH.handle().invokeExact(st, fd, a.allocateFrom(path), mask);
      if (wd < 0) {
        throw fail("inotify_add_watch", path, st);
      }
      return wd;
    } catch (SyscallException e) {
      throw e;
    } catch (Throwable t) {
      throw new IllegalStateException(t);
    }
  }

  public static void inotifyRmWatch(int fd, int wd) {
    try (Arena a = Arena.ofConfined()) {
      int ignored = (int) INOTIFY_RM_WATCH.handle().invokeExact(a.allocate(STATE), fd, wd);
    } catch (Throwable t) {
      throw new IllegalStateException(t);
    }
  }

  /**
   * setns(2): moves the calling thread into the namespace {@code fd} refers to ({@code nstype}
   * names its kind, e.g. {@link #CLONE_NEWNET}). Only that thread moves; call it on a platform
   * thread of its own, never a virtual thread (whose carrier would move with it).
   */
  public static void setns(int fd, int nstype) {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment st = a.allocate(STATE);
      if ((int) SETNS.handle().invokeExact(st, fd, nstype) < 0) {
        throw fail("setns", "fd " + fd, st);
      }
    } catch (SyscallException e) {
      throw e;
    } catch (Throwable t) {
      throw new IllegalStateException(t);
    }
  }

  /** kill(2); false when the process does not exist (or may not be signalled). */
  public static boolean kill(long pid, int signal) {
    try (Arena a = Arena.ofConfined()) {
      return (int) KILL.handle().invokeExact(a.allocate(STATE), (int) pid, signal) == 0;
    } catch (Throwable t) {
      throw new IllegalStateException(t);
    }
  }


  /** Waits up to {@code timeoutMillis} for {@code fd} to be readable; true when it is. */
  public static boolean pollIn(int fd, int timeoutMillis) {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment st = a.allocate(STATE);
      MemorySegment pfd = a.allocate(8, 4);
      pfd.set(ValueLayout.JAVA_INT, 0, fd);
      pfd.set(ValueLayout.JAVA_SHORT, 4, (short) 1);
      int r = (int) POLL.handle().invokeExact(st, pfd, 1L, timeoutMillis);
      return r > 0;
    } catch (Throwable t) {
      throw new IllegalStateException(t);
    }
  }

  /** read(2) into {@code buf}; returns the byte count, or -errno. Blocks. */
  public static long read(int fd, MemorySegment buf) {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment st = a.allocate(STATE);
      long n = (long) READ.handle().invokeExact(st, fd, buf, buf.byteSize());
      return n < 0 ? -(int) ERRNO.get(st, 0L) : n;
    } catch (Throwable t) {
      throw new IllegalStateException(t);
    }
  }

  public static void mount(String source, String target, String fstype, long flags, String data) {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment st = a.allocate(STATE);
      MemorySegment type = fstype == null ? MemorySegment.NULL : a.allocateFrom(fstype);
      MemorySegment options = data == null ? MemorySegment.NULL : a.allocateFrom(data);
      int r = (int) MOUNT.handle().invokeExact(st, a.allocateFrom(source), a.allocateFrom(target), type, flags, options);
      if (r < 0) {
        throw fail("mount", fstype + " on " + target, st);
      }
    } catch (SyscallException e) {
      throw e;
    } catch (Throwable t) {
      throw new IllegalStateException(t);
    }
  }

  public static void umount(String target, int flags) {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment st = a.allocate(STATE);
      if ((int) UMOUNT2.handle().invokeExact(st, a.allocateFrom(target), flags) < 0) {
        throw fail("umount2", target, st);
      }
    } catch (SyscallException e) {
      throw e;
    } catch (Throwable t) {
      throw new IllegalStateException(t);
    }
  }

  /**
   * Attaches an idmapped copy of the tree at {@code source} at {@code target}: files owned by uid
   * {@code n} in {@code source} appear owned by the uid that {@code n} maps to in the user
   * namespace {@code usernsFd}. open_tree + mount_setattr(MOUNT_ATTR_IDMAP) + move_mount.
   */
  public static void idmappedBind(String source, String target, int usernsFd) {
    idmappedBind(source, target, usernsFd, false);
  }

  /** {@link #idmappedBind(String, String, int)}, read-only when {@code readOnly} (MOUNT_ATTR_RDONLY on every mount of the copy). */
  public static void idmappedBind(String source, String target, int usernsFd, boolean readOnly) {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment st = a.allocate(STATE);
      long tree = syscall(st, SYS_OPEN_TREE, AT_FDCWD, a.allocateFrom(source).address(),
          OPEN_TREE_CLONE | O_CLOEXEC | AT_RECURSIVE, 0, 0);
      if (tree < 0) {
        throw fail("open_tree", source, st);
      }
      try {
        MemorySegment attr = a.allocate(32);
        attr.set(ValueLayout.JAVA_LONG, 0, MOUNT_ATTR_IDMAP | (readOnly ? MOUNT_ATTR_RDONLY : 0));
        attr.set(ValueLayout.JAVA_LONG, 24, usernsFd);
        MemorySegment empty = a.allocateFrom("");
        if (syscall(st, SYS_MOUNT_SETATTR, tree, empty.address(), AT_EMPTY_PATH | AT_RECURSIVE, attr.address(), 32) < 0) {
          throw fail("mount_setattr", source, st);
        }
        if (syscall(st, SYS_MOVE_MOUNT, tree, empty.address(), AT_FDCWD, a.allocateFrom(target).address(),
            MOVE_MOUNT_F_EMPTY_PATH) < 0) {
          throw fail("move_mount", target, st);
        }
      } finally {
        close((int) tree);
      }
    }
  }
}
