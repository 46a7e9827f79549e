package dev.warren.net;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pumps bytes between a client and a destination, one thread per direction, while the calling
 * thread watches for idleness. End of stream in one direction half-closes the other side's output
 * (so either peer may finish sending first); an I/O error in either direction, the idle timeout or an
 * interrupt closes both sockets. Returns once both directions have ended; the caller closes the
 * sockets.
 */
final class Relay {

  private static final Logger log = LoggerFactory.getLogger(Relay.class);
  private static final int BUFFER = 16 * 1024;
  private static final Duration STRAGGLER_WAIT = Duration.ofSeconds(5);

  /** Bytes relayed: client to destination, and destination to client. */
  record Counts(long out, long in) {}

  private final Socket client;
  private final Socket destination;
  private final Duration idleTimeout;
  private final AtomicLong lastActivity = new AtomicLong(System.nanoTime());
  private final AtomicLong out = new AtomicLong();
  private final AtomicLong in = new AtomicLong();
  private final CountDownLatch finished = new CountDownLatch(2);

  private Relay(Socket client, Socket destination, Duration idleTimeout) {
    this.client = client;
    this.destination = destination;
    this.idleTimeout = idleTimeout;
  }

  /**
   * @param toDestination bytes already read from the client, sent first
   * @param toClient bytes already read from the destination, sent first
   * @param endWithDestination end both directions once the destination finishes sending (plain
   *     HTTP: the client may keep its side open for a next request this proxy will not serve)
   */
  static Counts run(
      Socket client,
      Socket destination,
      byte[] toDestination,
      byte[] toClient,
      boolean endWithDestination,
      Duration idleTimeout,
      Executor threads) {
    Relay relay = new Relay(client, destination, idleTimeout);
    relay.start(threads, () -> relay.pump(client, destination, toDestination, relay.out, false));
    relay.start(
        threads, () -> relay.pump(destination, client, toClient, relay.in, endWithDestination));
    relay.watch();
    return new Counts(relay.out.get(), relay.in.get());
  }

  private void start(Executor threads, Runnable direction) {
    try {
      threads.execute(direction);
    } catch (RejectedExecutionException e) { // the proxy is closing
      closeBoth();
      finished.countDown();
    }
  }

  private void pump(Socket from, Socket to, byte[] pending, AtomicLong counter, boolean endAll) {
    try {
      InputStream input = from.getInputStream();
      OutputStream output = to.getOutputStream();
      if (pending.length > 0) {
        output.write(pending);
        counter.addAndGet(pending.length);
      }
      byte[] buf = new byte[BUFFER];
      int n;
      while ((n = input.read(buf)) >= 0) {
        lastActivity.set(System.nanoTime());
        output.write(buf, 0, n);
        counter.addAndGet(n);
        lastActivity.set(System.nanoTime());
      }
      if (endAll) {
        to.shutdownOutput(); // the answer's end goes out before the close
        closeBoth();
      } else if (!to.isClosed()) {
        to.shutdownOutput();
      }
    } catch (IOException e) {
      if (!from.isClosed() && !to.isClosed()) { // else closed on purpose: the other side or close()
        log.debug("relay {} -> {} failed: {}", from.getRemoteSocketAddress(),
            to.getRemoteSocketAddress(), e.toString());
      }
      closeBoth();
    } finally {
      finished.countDown();
    }
  }

  private void watch() {
    long idleNanos = idleTimeout.toNanos();
    try {
      long wait = idleNanos;
      while (!finished.await(wait, TimeUnit.NANOSECONDS)) {
        long idle = System.nanoTime() - lastActivity.get();
        if (idle >= idleNanos) {
          log.debug("relay {} <-> {} idle for {}: closing", client.getRemoteSocketAddress(),
              destination.getRemoteSocketAddress(), idleTimeout);
          closeBoth();
          finished.await(STRAGGLER_WAIT.toNanos(), TimeUnit.NANOSECONDS);
          return;
        }
        wait = idleNanos - idle;
      }
    } catch (InterruptedException e) {
      closeBoth();
      Thread.currentThread().interrupt();
    }
  }

  private void closeBoth() {
    closeQuietly(client);
    closeQuietly(destination);
  }

  static void closeQuietly(Socket socket) {
    try {
      socket.close();
    } catch (IOException e) {
      log.debug("closing {} failed: {}", socket, e.toString());
    }
  }
}
