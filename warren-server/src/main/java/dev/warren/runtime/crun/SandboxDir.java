package dev.warren.runtime.crun;

import dev.warren.host.SyscallException;
import dev.warren.host.Syscalls;
import dev.warren.runtime.GuestDir;
import dev.warren.runtime.ReadableFile;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.IntPredicate;

/**
 * A directory inside a running sandbox, reached from the host through a descriptor opened with
 * openat2(RESOLVE_IN_ROOT): whatever the sandbox does to the names above it (symlinks to the host's
 * root, renames), this handle stays on the same directory inside the sandbox, and every file
 * operation names a single entry of it without following a final symlink. Files and FIFOs made here
 * belong to the sandbox's root; watches go to the runtime's {@link FileWatch}. The crun
 * {@link GuestDir}. Thread-safe; {@code close()} is idempotent.
 */
final class SandboxDir implements GuestDir {

  private final int fd;
  private final long rootUid;
  private final String where;
  private final FileWatch watcher;
  private final AtomicBoolean closed = new AtomicBoolean();
  /** Operations hold it shared, close() exclusively: a closed descriptor number is never used again by us. */
  private final ReentrantReadWriteLock use = new ReentrantReadWriteLock();

  private Lock enter() {
    Lock l = use.readLock();
    l.lock();
    if (closed.get()) {
      l.unlock();
      throw new IllegalStateException(this + " is closed");
    }
    return l;
  }

  private SandboxDir(int fd, long rootUid, String where, FileWatch watcher) {
    this.fd = fd;
    this.rootUid = rootUid;
    this.where = where;
    this.watcher = watcher;
  }

  /**
   * Opens (and with {@code create}, makes, with its parents) {@code absolute} inside the sandbox whose
   * root filesystem the host sees at {@code rootfs}.
   */
  static SandboxDir open(Path rootfs, String absolute, long rootUid, boolean create, int mode) {
    return open(rootfs, absolute, rootUid, create, mode, null);
  }

  /** As {@link #open(Path, String, long, boolean, int)}, watched through {@code watcher}. */
  static SandboxDir open(Path rootfs, String absolute, long rootUid, boolean create, int mode, FileWatch watcher) {
    if (!absolute.startsWith("/")) {
      throw new IllegalArgumentException("not absolute: " + absolute);
    }
    int root = InRoot.openRoot(rootfs);
    try {
      String rel = absolute.substring(1);
      if (create) {
        InRoot.mkdirs(root, absolute, rootUid, mode, (part, e) -> e);
      }
      int dir = InRoot.open(root, rel, Syscalls.O_PATH | Syscalls.O_DIRECTORY, 0);
      return new SandboxDir(dir, rootUid, absolute, watcher);
    } finally {
      Syscalls.close(root);
    }
  }

  /** A path through which the JDK can reach this directory (for watches and listings). */
  Path path() {
    return InRoot.procFd(fd);
  }

  @Override
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

  /** An operation on the directory; {@code X} is the checked exception it may throw, if any. */
  private interface Op<T, X extends Exception> {
    T run() throws X;
  }

  /** An operation on the descriptor of an entry opened for it. */
  private interface EntryOp<T, X extends Exception> {
    T apply(int f) throws X;
  }

  /** Runs {@code op} holding the use lock shared, so that the descriptor stays open throughout. */
  private <T, X extends Exception> T locked(Op<T, X> op) throws X {
    Lock guard = enter();
    try {
      return op.run();
    } finally {
      guard.unlock();
    }
  }

  /**
   * Under the use lock, opens entry {@code name} and hands its descriptor to {@code body}, closing
   * it after; when the open fails with an errno that {@code absent} accepts, answers {@code orElse}.
   */
  private <T, X extends Exception> T withEntry(String name, int flags, int mode, IntPredicate absent, T orElse,
      EntryOp<T, X> body) throws X {
    return locked(() -> {
      int f;
      try {
        f = openEntry(name, flags, mode);
      } catch (SyscallException e) {
        if (absent.test(e.errno())) {
          return orElse;
        }
        throw e;
      }
      try {
        return body.apply(f);
      } finally {
        Syscalls.close(f);
      }
    });
  }

  /** Accepts exactly these errnos; {@code is()} accepts none. */
  private static IntPredicate is(int... errnos) {
    return errno -> Arrays.stream(errnos).anyMatch(e -> e == errno);
  }

  /** Runs a syscall that may fail with {@code errno} (an entry that exists already, or is gone already) as if it succeeded. */
  private static void tolerating(int errno, Runnable call) {
    try {
      call.run();
    } catch (SyscallException e) {
      if (e.errno() != errno) {
        throw e;
      }
    }
  }

  /** Gives an open file to the sandbox's root, mode 0644 whatever the controller's umask. */
  private void own(int f) {
    Syscalls.fchown(f, (int) rootUid, (int) rootUid);
    Syscalls.fchmod(f, 0644);
  }

  /** Writes a new file (replacing one of that name) owned by the sandbox's root. */
  @Override
  public void write(String name, byte[] data) {
    withEntry(name, Syscalls.O_WRONLY | Syscalls.O_CREAT | Syscalls.O_TRUNC, 0644, is(), null, f -> {
      own(f);
      Syscalls.writeFully(f, data);
      return null;
    });
  }

  /** Writes a new file (replacing one of that name) only the sandbox's root reads: mode 0600. */
  void writePrivate(String name, byte[] data) {
    withEntry(name, Syscalls.O_WRONLY | Syscalls.O_CREAT | Syscalls.O_TRUNC, 0600, is(), null, f -> {
      Syscalls.fchown(f, (int) rootUid, (int) rootUid);
      Syscalls.fchmod(f, 0600);
      Syscalls.writeFully(f, data);
      return null;
    });
  }

  /** Makes an empty file owned by the sandbox's root unless one of that name exists. */
  @Override
  public void createEmpty(String name) {
    withEntry(name, Syscalls.O_WRONLY | Syscalls.O_CREAT | Syscalls.O_EXCL, 0644, is(Syscalls.EEXIST), null, f -> {
      own(f);
      return null;
    });
  }

  /**
   * Replaces the content of an existing file (made earlier with {@link #write}); makes it when it
   * is missing. Cheaper than making a file, which on a journaled disk is the slow part.
   */
  @Override
  public void overwrite(String name, byte[] data) {
    boolean existed = withEntry(name, Syscalls.O_WRONLY | Syscalls.O_TRUNC, 0, is(Syscalls.ENOENT), false, f -> {
      Syscalls.writeFully(f, data);
      return true;
    });
    if (!existed) {
      write(name, data);
    }
  }

  /** The whole file, or empty when it does not exist. */
  Optional<byte[]> read(String name) {
    return read(name, Integer.MAX_VALUE - 16);
  }

  /**
   * At most {@code max} bytes of the file from its start, or empty when it does not exist. A
   * regular file is read into one array of its size (reading in chunks would hold the bytes twice).
   */
  @Override
  public Optional<byte[]> read(String name, int max) {
    return withEntry(name, Syscalls.O_RDONLY | Syscalls.O_NONBLOCK, 0, is(Syscalls.ENOENT), Optional.empty(), f -> {
      try (InputStream in = Files.newInputStream(InRoot.procFd(f))) {
        long size = Files.isRegularFile(InRoot.procFd(f)) ? Files.size(InRoot.procFd(f)) : -1;
        if (size < 0) {
          return Optional.of(in.readNBytes(max));
        }
        byte[] b = new byte[(int) Math.min(size, max)];
        int n = in.readNBytes(b, 0, b.length);
        return Optional.of(n == b.length ? b : Arrays.copyOf(b, n));
      } catch (IOException e) {
        return Optional.empty();
      }
    });
  }

  /** Size of a regular file, or -1 when it does not exist. */
  @Override
  public long size(String name) {
    return locked(() -> {
      try {
        var a = Files.readAttributes(path().resolve(check(name)), BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        return a.isRegularFile() ? a.size() : -1L;
      } catch (IOException e) {
        return -1L;
      }
    });
  }

  @Override
  public boolean exists(String name) {
    return locked(() -> Files.exists(path().resolve(check(name)), LinkOption.NOFOLLOW_LINKS));
  }

  @Override
  public Optional<ReadableFile> openAt(String name) {
    return withEntry(name, Syscalls.O_RDONLY | Syscalls.O_NONBLOCK, 0, is(Syscalls.ENOENT), Optional.empty(), f -> {
      Path p = InRoot.procFd(f);
      if (!Files.isRegularFile(p)) {
        return Optional.empty();
      }
      try {
        FileChannel ch = FileChannel.open(p, StandardOpenOption.READ);
        return Optional.of(new ReadableFile() {
          @Override
          public long size() throws IOException {
            return ch.size();
          }

          @Override
          public int read(java.nio.ByteBuffer into, long position) throws IOException {
            return ch.read(into, position);
          }

          @Override
          public void close() throws IOException {
            ch.close();
          }
        });
      } catch (IOException e) {
        return Optional.empty();
      }
    });
  }

  /** Makes a sub-directory owned by the sandbox's root (no error if one exists). */
  @Override
  public void mkdir(String name, int mode) {
    locked(() -> {
      tolerating(Syscalls.EEXIST, () -> {
        Syscalls.mkdirat(fd, check(name), mode);
        InRoot.ownDirectory(fd, name, rootUid, mode);
      });
      return null;
    });
  }

  /** Opens a sub-directory (not following a symlink) as a directory of its own. */
  @Override
  public SandboxDir sub(String name) {
    return locked(() -> new SandboxDir(Syscalls.openat(fd, check(name), Syscalls.O_PATH | Syscalls.O_DIRECTORY | Syscalls.O_NOFOLLOW, 0),
        rootUid, where + "/" + name, watcher));
  }

  /** Makes a FIFO owned by the sandbox's root (no error if one exists). */
  @Override
  public void mkfifo(String name) {
    makeOwned(name, () -> Syscalls.mknodat(fd, check(name), Syscalls.S_IFIFO | 0600));
  }

  /** Makes an entry with {@code make} unless it exists, and gives it to the sandbox's root. */
  private void makeOwned(String name, Runnable make) {
    locked(() -> {
      tolerating(Syscalls.EEXIST, make);
      Syscalls.fchownat(fd, name, (int) rootUid, (int) rootUid, Syscalls.AT_SYMLINK_NOFOLLOW);
      return null;
    });
  }

  /**
   * Opens a FIFO for writing and keeps it open (read-write, non-blocking), so that what is written
   * stays queued in it while its reader restarts. The caller closes the writer.
   */
  @Override
  public HeldFifo fifoWriter(String name) {
    return locked(() -> new HeldFifo(openEntry(name, Syscalls.O_RDWR | Syscalls.O_NONBLOCK, 0), where + "/" + name));
  }

  /**
   * An output stream into a FIFO, e.g. a command's stdin; the caller closes it, which is the
   * reader's end of file. The FIFO is held open for reading too, so writing before its reader
   * opened it (or after it stopped reading) queues or blocks instead of failing; writes block
   * while the FIFO is full.
   */
  @Override
  public OutputStream openFifoForWriting(String name) throws IOException {
    return withEntry(name, Syscalls.O_RDWR, 0, is(), null,
        f -> Channels.newOutputStream(FileChannel.open(InRoot.procFd(f), StandardOpenOption.READ, StandardOpenOption.WRITE)));
  }

  /**
   * Opens a FIFO (or a regular file) for reading without following a final symlink. Opening a
   * FIFO waits for its writer; that wait happens outside this directory's lock, on a descriptor of
   * the entry itself, so {@code close()} is not held up by it. The caller closes the stream.
   */
  @Override
  public InputStream openForReading(String name) throws IOException {
    int f = locked(() -> openEntry(name, Syscalls.O_RDONLY | Syscalls.O_NONBLOCK, 0));
    try {
      return Files.newInputStream(InRoot.procFd(f));
    } finally {
      Syscalls.close(f);
    }
  }

  @Override
  public void delete(String name) {
    locked(() -> {
      tolerating(Syscalls.ENOENT, () -> Syscalls.unlinkat(fd, check(name), 0));
      return null;
    });
  }

  @Override
  public List<String> list() {
    return locked(() -> {
      List<String> out = new ArrayList<>();
      try (var s = Files.newDirectoryStream(path())) {
        for (Path p : s) {
          out.add(p.getFileName().toString());
        }
      } catch (IOException e) {
        // gone
      }
      return out;
    });
  }

  @Override
  public Registration watch(boolean createdOnly, java.util.function.Consumer<String> onName, Runnable onOverflow) {
    if (watcher == null) {
      throw new IllegalStateException(this + " has no watcher");
    }
    return locked(() -> watcher.watch(this, createdOnly, onName, onOverflow));
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
