package dev.warren.image;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The lock on one image name, {@code <imagesDir>/<name>/.lock}, held for a build or a removal:
 * first among this JVM's threads, then among processes through an fcntl lock on the file, which
 * also holds the holder's pid for the messages of those who wait. Released by {@link #close()},
 * once; the file lock also goes when the holding process dies.
 */
final class NameLock implements AutoCloseable {
  static final String FILE = ".lock";

  /**
   * A file lock belongs to the whole JVM (a second lock from the same JVM throws), so threads and
   * several instances on one directory queue here first, keyed by the lock file's real path.
   */
  private static final Map<Path, ReentrantLock> JVM_LOCKS = new ConcurrentHashMap<>();

  private final ReentrantLock jvmLock;
  private final FileChannel channel;
  private final AtomicBoolean closed = new AtomicBoolean();

  private NameLock(ReentrantLock jvmLock, FileChannel channel) {
    this.jvmLock = jvmLock;
    this.channel = channel;
  }

  /**
   * Waits up to {@code wait} for the lock, saying once on {@code progress} who it waits for.
   *
   * @throws ImageException when the wait runs out, the file cannot be locked, or the thread is
   *     interrupted (the interrupt flag stays set)
   */
  static NameLock acquire(Path nameDir, Duration wait, Images.Progress progress) {
    String name = nameDir.getFileName().toString();
    long deadline = System.nanoTime() + wait.toNanos();
    Path lockFile;
    try {
      lockFile = Files.createDirectories(nameDir).toRealPath().resolve(FILE);
    } catch (IOException e) {
      throw new ImageException("cannot create " + nameDir + ": " + e.getMessage() + "; is WARREN_IMAGES writable?", e);
    }
    ReentrantLock jvmLock = JVM_LOCKS.computeIfAbsent(lockFile, path -> new ReentrantLock());
    try {
      if (!jvmLock.tryLock()) {
        progress.line("waiting for another thread building image " + name);
        if (!jvmLock.tryLock(deadline - System.nanoTime(), TimeUnit.NANOSECONDS)) {
          throw new ImageException("gave up waiting " + wait.toMinutes() + " min for another thread building image " + name);
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ImageException("interrupted while waiting to build image " + name, e);
    }
    FileChannel channel = null;
    try {
      channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
      FileLock fileLock = channel.tryLock();
      if (fileLock == null) {
        progress.line("waiting for " + holder(channel) + " building image " + name + " (it holds " + lockFile + ")");
        while (fileLock == null) {
          if (System.nanoTime() > deadline) {
            throw new ImageException("gave up waiting " + wait.toMinutes() + " min for " + holder(channel)
                + " building image " + name + "; if no build runs, " + lockFile + " is held by a stuck process");
          }
          Thread.sleep(200);
          fileLock = channel.tryLock();
        }
      }
      channel.truncate(0).write(ByteBuffer.wrap(Long.toString(ProcessHandle.current().pid()).getBytes(StandardCharsets.US_ASCII)), 0);
      return new NameLock(jvmLock, channel);
    } catch (IOException | InterruptedException | RuntimeException e) {
      ImageException failure = e instanceof ImageException ie ? ie : new ImageException("cannot lock " + lockFile + ": " + e, e);
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      if (channel != null) {
        try {
          channel.close();
        } catch (IOException closing) {
          failure.addSuppressed(closing);
        }
      }
      jvmLock.unlock();
      throw failure;
    }
  }

  private static String holder(FileChannel channel) {
    try {
      ByteBuffer buffer = ByteBuffer.allocate(32);
      int n = channel.read(buffer, 0);
      String pid = n > 0 ? new String(buffer.array(), 0, n, StandardCharsets.US_ASCII).strip() : "";
      return pid.matches("\\d+") ? "process " + pid : "another process";
    } catch (IOException e) {
      return "another process";
    }
  }

  /** Closing the channel releases the file lock; then the next thread of this JVM may go. */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    try {
      channel.close();
    } catch (IOException e) {
      throw new ImageException("cannot release the image lock", e);
    } finally {
      jvmLock.unlock();
    }
  }
}
