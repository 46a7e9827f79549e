package dev.warren.runtime;

import dev.warren.host.SyscallException;
import dev.warren.host.Syscalls;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A directory inside a running sandbox, reached from the host through a descriptor opened with
 * openat2(RESOLVE_IN_ROOT): whatever the sandbox does to the names above it (symlinks to the host's
 * root, renames), this handle stays on the same directory inside the sandbox, and every file
 * operation names a single entry of it without following a final symlink. Files and FIFOs made here
 * belong to the sandbox's root. Thread-safe; {@code close()} is idempotent.
 */
public final class SandboxDir implements AutoCloseable {
  private static final long RESOLVE = Syscalls.RESOLVE_IN_ROOT | Syscalls.RESOLVE_NO_MAGICLINKS | 0x01;

  private final int fd;
  private final long rootUid;
  private final String where;
  private final AtomicBoolean closed = new AtomicBoolean();
  /** Operations hold it shared, close() exclusively: a closed descriptor number is never used again by us. */
  private final java.util.concurrent.locks.ReentrantReadWriteLock use = new java.util.concurrent.locks.ReentrantReadWriteLock();

  private java.util.concurrent.locks.Lock enter() {
    java.util.concurrent.locks.Lock l = use.readLock();
    l.lock();
    if (closed.get()) {
      l.unlock();
      throw new IllegalStateException(this + " is closed");
    }
    return l;
  }

  private SandboxDir(int fd, long rootUid, String where) {
    this.fd = fd;
    this.rootUid = rootUid;
    this.where = where;
  }

  /**
   * Opens (and with {@code create}, makes, with its parents) {@code absolute} inside the sandbox whose
   * root filesystem the host sees at {@code rootfs}.
   */
  public static SandboxDir open(Path rootfs, String absolute, long rootUid, boolean create, int mode) {
    if (!absolute.startsWith("/")) {
      throw new IllegalArgumentException("not absolute: " + absolute);
    }
    int root = Syscalls.open(rootfs.toString(), Syscalls.O_PATH | Syscalls.O_DIRECTORY);
    try {
      String rel = absolute.substring(1);
      if (create) {
        StringBuilder prefix = new StringBuilder();
        for (String part : rel.split("/")) {
          if (part.isEmpty()) {
            continue;
          }
          int parent = prefix.isEmpty() ? Syscalls.openat2(root, ".", Syscalls.O_PATH | Syscalls.O_DIRECTORY, 0, RESOLVE)
              : Syscalls.openat2(root, prefix.toString(), Syscalls.O_PATH | Syscalls.O_DIRECTORY, 0, RESOLVE);
          try {
            Syscalls.mkdirat(parent, part, mode);
            Syscalls.fchownat(parent, part, (int) rootUid, (int) rootUid, Syscalls.AT_SYMLINK_NOFOLLOW);
          } catch (SyscallException e) {
            if (e.errno() != Syscalls.EEXIST) {
              throw e;
            }
          } finally {
            Syscalls.close(parent);
          }
          prefix.append(prefix.isEmpty() ? "" : "/").append(part);
        }
      }
      int dir = Syscalls.openat2(root, rel.isEmpty() ? "." : rel, Syscalls.O_PATH | Syscalls.O_DIRECTORY, 0, RESOLVE);
      return new SandboxDir(dir, rootUid, absolute);
    } finally {
      Syscalls.close(root);
    }
  }

  /** A path through which the JDK can reach this directory (for watches and listings). */
  public Path path() {
    return Path.of("/proc/self/fd/" + fd);
  }

  public String where() {
    return where;
  }

  private static String check(String name) {
    if (name.isEmpty() || name.contains("/") || name.equals(".") || name.equals("..")) {
      throw new IllegalArgumentException("not a plain file name: " + name);
    }
    return name;
  }

  private int openEntry(String name, int flags, int mode) {
    return Syscalls.openat(fd, check(name), flags | Syscalls.O_NOFOLLOW, mode);
  }

  /** Writes a new file (replacing one of that name) owned by the sandbox's root. */
  public void write(String name, byte[] data) {
    java.util.concurrent.locks.Lock guard = enter();
    try {
      int f = openEntry(name, Syscalls.O_WRONLY | Syscalls.O_CREAT | Syscalls.O_TRUNC, 0644);
      try {
        Syscalls.fchown(f, (int) rootUid, (int) rootUid);
        Syscalls.writeFully(f, data);
      } finally {
        Syscalls.close(f);
      }
    } finally {
      guard.unlock();
    }
  }

  /** Makes an empty file owned by the sandbox's root unless one of that name exists. */
  public void createEmpty(String name) {
    java.util.concurrent.locks.Lock guard = enter();
    try {
      int f;
      try {
        f = openEntry(name, Syscalls.O_WRONLY | Syscalls.O_CREAT | Syscalls.O_EXCL, 0644);
      } catch (SyscallException e) {
        if (e.errno() == Syscalls.EEXIST) {
          return;
        }
        throw e;
      }
      try {
        Syscalls.fchown(f, (int) rootUid, (int) rootUid);
      } finally {
        Syscalls.close(f);
      }
    } finally {
      guard.unlock();
    }
  }

  /**
   * Replaces the content of an existing file (made earlier with {@link #write}); makes it when it
   * is missing. Cheaper than making a file, which on a journaled disk is the slow part.
   */
  public void overwrite(String name, byte[] data) {
    java.util.concurrent.locks.Lock guard = enter();
    try {
      int f;
      try {
        f = openEntry(name, Syscalls.O_WRONLY | Syscalls.O_TRUNC, 0);
      } catch (SyscallException e) {
        if (e.errno() == Syscalls.ENOENT) {
          write(name, data);
          return;
        }
        throw e;
      }
      try {
        Syscalls.writeFully(f, data);
      } finally {
        Syscalls.close(f);
      }
    } finally {
      guard.unlock();
    }
  }

  /** The whole file, or empty when it does not exist. */
  public Optional<byte[]> read(String name) {
    return read(name, Integer.MAX_VALUE - 16);
  }

  /** At most {@code max} bytes of the file from its start, or empty when it does not exist. */
  public Optional<byte[]> read(String name, int max) {
    java.util.concurrent.locks.Lock guard = enter();
    try {
      int f;
      try {
        f = openEntry(name, Syscalls.O_RDONLY | Syscalls.O_NONBLOCK, 0);
      } catch (SyscallException e) {
        if (e.errno() == Syscalls.ENOENT) {
          return Optional.empty();
        }
        throw e;
      }
      try (InputStream in = Files.newInputStream(Path.of("/proc/self/fd/" + f))) {
        return Optional.of(in.readNBytes(max));
      } catch (IOException e) {
        return Optional.empty();
      } finally {
        Syscalls.close(f);
      }
    } finally {
      guard.unlock();
    }
  }

  /** Size of a regular file, or -1 when it does not exist. */
  public long size(String name) {
    java.util.concurrent.locks.Lock guard = enter();
    try {
      try {
        var a = Files.readAttributes(path().resolve(check(name)), java.nio.file.attribute.BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        return a.isRegularFile() ? a.size() : -1;
      } catch (NoSuchFileException e) {
        return -1;
      } catch (IOException e) {
        return -1;
      }
    } finally {
      guard.unlock();
    }
  }

  public boolean exists(String name) {
    java.util.concurrent.locks.Lock guard = enter();
    try {
      return Files.exists(path().resolve(check(name)), LinkOption.NOFOLLOW_LINKS);
    } finally {
      guard.unlock();
    }
  }

  /** A channel on a regular file for reading from any offset; the caller closes it. */
  public Optional<FileChannel> channel(String name) {
    java.util.concurrent.locks.Lock guard = enter();
    try {
      int f;
      try {
        f = openEntry(name, Syscalls.O_RDONLY | Syscalls.O_NONBLOCK, 0);
      } catch (SyscallException e) {
        if (e.errno() == Syscalls.ENOENT) {
          return Optional.empty();
        }
        throw e;
      }
      try {
        Path p = Path.of("/proc/self/fd/" + f);
        if (!Files.isRegularFile(p)) {
          return Optional.empty();
        }
        return Optional.of(FileChannel.open(p, StandardOpenOption.READ));
      } catch (IOException e) {
        return Optional.empty();
      } finally {
        Syscalls.close(f);
      }
    } finally {
      guard.unlock();
    }
  }

  /** Makes a sub-directory owned by the sandbox's root (no error if one exists). */
  public void mkdir(String name, int mode) {
    java.util.concurrent.locks.Lock guard = enter();
    try {
      try {
        Syscalls.mkdirat(fd, check(name), mode);
      } catch (SyscallException e) {
        if (e.errno() != Syscalls.EEXIST) {
          throw e;
        }
      }
      Syscalls.fchownat(fd, name, (int) rootUid, (int) rootUid, Syscalls.AT_SYMLINK_NOFOLLOW);
    } finally {
      guard.unlock();
    }
  }

  /** Opens a sub-directory (not following a symlink) as a directory of its own. */
  public SandboxDir sub(String name) {
    java.util.concurrent.locks.Lock guard = enter();
    try {
      int sub = Syscalls.openat(fd, check(name), Syscalls.O_PATH | Syscalls.O_DIRECTORY | Syscalls.O_NOFOLLOW, 0);
      return new SandboxDir(sub, rootUid, where + "/" + name);
    } finally {
      guard.unlock();
    }
  }

  /** Makes a FIFO owned by the sandbox's root (no error if one exists). */
  public void mkfifo(String name) {
    java.util.concurrent.locks.Lock guard = enter();
    try {
      try {
        Syscalls.mknodat(fd, check(name), Syscalls.S_IFIFO | 0600);
      } catch (SyscallException e) {
        if (e.errno() != Syscalls.EEXIST) {
          throw e;
        }
      }
      Syscalls.fchownat(fd, name, (int) rootUid, (int) rootUid, Syscalls.AT_SYMLINK_NOFOLLOW);
    } finally {
      guard.unlock();
    }
  }

  /**
   * Writes {@code line} to a FIFO that a process in the sandbox reads; false when nothing reads it.
   * Writes of up to 4 KiB are atomic, so concurrent writers never interleave.
   */
  public boolean writeFifo(String name, byte[] line) {
    java.util.concurrent.locks.Lock guard = enter();
    try {
      int f;
      try {
        f = openEntry(name, Syscalls.O_WRONLY | Syscalls.O_NONBLOCK, 0);
      } catch (SyscallException e) {
        if (e.errno() == Syscalls.ENXIO || e.errno() == Syscalls.ENOENT) {
          return false;
        }
        throw e;
      }
      try {
        Syscalls.writeFully(f, line);
        return true;
      } catch (SyscallException e) {
        if (e.errno() == Syscalls.EPIPE || e.errno() == Syscalls.EAGAIN) {
          return false;
        }
        throw e;
      } finally {
        Syscalls.close(f);
      }
    } finally {
      guard.unlock();
    }
  }

  /**
   * Opens a FIFO for writing and keeps it open (read-write, non-blocking), so that what is written
   * stays queued in it while its reader restarts. The caller closes the writer.
   */
  public FifoWriter fifoWriter(String name) {
    java.util.concurrent.locks.Lock guard = enter();
    try {
      return new FifoWriter(openEntry(name, Syscalls.O_RDWR | Syscalls.O_NONBLOCK, 0));
    } finally {
      guard.unlock();
    }
  }

  /** A held-open FIFO; lines up to 4 KiB are written atomically. Thread-safe. */
  public static final class FifoWriter implements AutoCloseable {
    private final int fd;
    private final AtomicBoolean closed = new AtomicBoolean();

    FifoWriter(int fd) {
      this.fd = fd;
    }

    public void write(byte[] line) {
      if (closed.get()) {
        throw new IllegalStateException("FIFO writer closed");
      }
      Syscalls.writeFully(fd, line);
    }

    @Override
    public void close() {
      if (closed.compareAndSet(false, true)) {
        Syscalls.close(fd);
      }
    }
  }

  /**
   * An output stream into a FIFO, e.g. a command's stdin; the caller closes it, which is the
   * reader's end of file. The FIFO is held open for reading too, so writing before its reader
   * opened it (or after it stopped reading) queues or blocks instead of failing; writes block
   * while the FIFO is full.
   */
  public OutputStream openFifoForWriting(String name) throws IOException {
    java.util.concurrent.locks.Lock guard = enter();
    try {
      int f = openEntry(name, Syscalls.O_RDWR, 0);
      try {
        return Channels.newOutputStream(FileChannel.open(Path.of("/proc/self/fd/" + f), StandardOpenOption.READ, StandardOpenOption.WRITE));
      } finally {
        Syscalls.close(f);
      }
    } finally {
      guard.unlock();
    }
  }

  public void delete(String name) {
    java.util.concurrent.locks.Lock guard = enter();
    try {
      try {
        Syscalls.unlinkat(fd, check(name), 0);
      } catch (SyscallException e) {
        if (e.errno() != Syscalls.ENOENT) {
          throw e;
        }
      }
    } finally {
      guard.unlock();
    }
  }

  public List<String> list() {
    java.util.concurrent.locks.Lock guard = enter();
    try {
      List<String> out = new ArrayList<>();
      try (var s = Files.newDirectoryStream(path())) {
        for (Path p : s) {
          out.add(p.getFileName().toString());
        }
      } catch (IOException e) {
        // gone
      }
      return out;
    } finally {
      guard.unlock();
    }
  }

  @Override
  public void close() {
    use.writeLock().lock();
    try {
      if (closed.compareAndSet(false, true)) {
        Syscalls.close(fd);
      }
    } finally {
      use.writeLock().unlock();
    }
  }

  @Override
  public String toString() {
    return "SandboxDir[" + where + "]";
  }

}
