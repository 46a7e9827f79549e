package dev.warren.ops;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;

/**
 * One controller per data directory: a running controller holds a lock on
 * {@code $WARREN_DATA/warren.lock} (which names its pid) for its whole life; the kernel drops it
 * when the process ends, however it ends. A second controller, a restore or a teardown on the same
 * data directory sees the holder and refuses. Not for use twice in one process (POSIX locks are
 * per process).
 */
public final class DataLock implements AutoCloseable {
  static final String FILE = "warren.lock";

  private final FileChannel channel;
  private final FileLock lock;

  private DataLock(FileChannel channel, FileLock lock) {
    this.channel = channel;
    this.lock = lock;
  }

  /** Takes the lock of {@code dataDir} (creating the directory, mode 0711, if needed) or fails naming the holder. */
  public static DataLock acquire(Path dataDir) {
    try {
      if (!Files.exists(dataDir)) {
        Files.createDirectories(dataDir);
        // others may traverse (sandboxes reach their root filesystem as unprivileged uids) but not list
        Files.setPosixFilePermissions(dataDir, PosixFilePermissions.fromString("rwx--x--x"));
      }
      FileChannel ch = FileChannel.open(dataDir.resolve(FILE), StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
      FileLock l;
      try {
        l = ch.tryLock();
      } catch (OverlappingFileLockException e) {
        l = null;
      }
      if (l == null) {
        ch.close();
        throw new AlreadyRunning(dataDir, holder(dataDir));
      }
      ch.truncate(0);
      ch.write(ByteBuffer.wrap((ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII)), 0);
      ch.force(false);
      return new DataLock(ch, l);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot lock the data directory " + dataDir + ": " + e.getMessage(), e);
    }
  }

  /** The pid of the controller holding the lock of {@code dataDir}; empty when none does. */
  public static Optional<Long> holder(Path dataDir) {
    Path f = dataDir.resolve(FILE);
    if (!Files.exists(f)) {
      return Optional.empty();
    }
    try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      FileLock probe = ch.tryLock();
      if (probe != null) {
        probe.release();
        return Optional.empty();
      }
    } catch (OverlappingFileLockException e) {
      return Optional.of(ProcessHandle.current().pid());
    } catch (IOException e) {
      return Optional.empty();
    }
    try {
      return Optional.of(Long.parseLong(Files.readString(f).strip()));
    } catch (IOException | NumberFormatException e) {
      return Optional.of(-1L);
    }
  }

  /** Someone else holds the lock. */
  public static final class AlreadyRunning extends OpsException {
    private final Optional<Long> pid;

    AlreadyRunning(Path dataDir, Optional<Long> pid) {
      super("another Warren controller" + pid.filter(p -> p > 0).map(p -> " (pid " + p + ")").orElse("")
          + " is running on the data directory " + dataDir + "; stop it first (warren stop)");
      this.pid = pid;
    }

    public Optional<Long> pid() {
      return pid;
    }
  }

  @Override
  public void close() {
    try {
      if (lock.isValid()) {
        lock.release();
      }
      channel.close();
    } catch (IOException e) {
      // the lock goes with the process anyway
    }
  }
}
