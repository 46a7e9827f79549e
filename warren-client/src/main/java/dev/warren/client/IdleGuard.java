package dev.warren.client;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;

/**
 * Closes a streamed response body that delivered nothing for {@code limit}, so a reader blocked on
 * a dead connection gets an {@link IOException} and can reconnect. One daemon watchdog thread per
 * stream, stopped by {@link #close()}.
 */
final class IdleGuard extends FilterInputStream {

  private final Duration limit;
  private final Thread watchdog;
  private volatile long lastRead = System.nanoTime();
  private volatile boolean idle;

  IdleGuard(InputStream in, Duration limit) {
    super(in);
    this.limit = limit;
    // a daemon platform thread: the SDK runs on Java 17, which has no virtual threads
    this.watchdog = new Thread(this::watch, "warren-idle-guard");
    this.watchdog.setDaemon(true);
    this.watchdog.start();
  }

  @Override
  public int read() throws IOException {
    int b = checked(super.read());
    lastRead = System.nanoTime();
    return b;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    int n;
    try {
      n = super.read(b, off, len);
    } catch (IOException e) {
      if (idle) throw new IOException("no data for " + limit.toMillis() + " ms", e);
      throw e;
    }
    lastRead = System.nanoTime();
    return checked(n);
  }

  private int checked(int n) throws IOException {
    // closing the body may read as a clean end; it was not one
    if (idle) throw new IOException("no data for " + limit.toMillis() + " ms");
    return n;
  }

  private void watch() {
    try {
      while (true) {
        long quiet = System.nanoTime() - lastRead;
        if (quiet >= limit.toNanos()) {
          idle = true;
          in.close();
          return;
        }
        Thread.sleep(Math.max(1, (limit.toNanos() - quiet) / 1_000_000));
      }
    } catch (InterruptedException stopped) {
      // close() interrupts the watchdog: the stream is done with, nothing left to guard
    } catch (IOException closeFailed) {
      // the reader sees the broken stream itself
    }
  }

  @Override
  public void close() throws IOException {
    watchdog.interrupt();
    super.close();
  }
}
