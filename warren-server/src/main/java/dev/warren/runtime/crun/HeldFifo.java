package dev.warren.runtime.crun;

import dev.warren.host.Syscalls;
import dev.warren.runtime.GuestDir;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * A held-open FIFO; lines up to 4 KiB are written atomically. Thread-safe: writes hold the
 * descriptor's lock shared and {@code close()} exclusively, so a write never reaches a closed
 * descriptor number (which the process may have given to another file since); a write after
 * close fails with {@link IllegalStateException}. The descriptor is non-blocking, so a write
 * never holds the lock for long (a full FIFO is EAGAIN).
 */
final class HeldFifo implements GuestDir.FifoWriter {
  private final int fd;
  private final String where;
  private boolean closed;
  private final ReentrantReadWriteLock use = new ReentrantReadWriteLock();

  HeldFifo(int fd, String where) {
    this.fd = fd;
    this.where = where;
  }

  @Override
  public void write(byte[] line) {
    Lock l = use.readLock();
    l.lock();
    try {
      if (closed) {
        throw new IllegalStateException("the FIFO writer of " + where + " is closed");
      }
      Syscalls.writeFully(fd, line);
    } finally {
      l.unlock();
    }
  }

  @Override
  public void close() {
    use.writeLock().lock();
    try {
      if (!closed) {
        closed = true;
        Syscalls.close(fd);
      }
    } finally {
      use.writeLock().unlock();
    }
  }
}
