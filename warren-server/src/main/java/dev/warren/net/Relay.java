package dev.warren.net;

import java.io.ByteArrayInputStream;
import java.io.FilterInputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.SequenceInputStream;
import java.net.Socket;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pumps bytes between a client and a destination, one thread per direction, while the calling
 * thread watches for idleness. What each direction carries is its {@link Pump}: everything
 * ({@link #RAW}, a tunnel) or, for a plain request, exactly one request body. A pump's normal end
 * half-closes the other side's output (so either peer may finish sending first); an I/O error in
 * either direction, the idle timeout or an interrupt closes both sockets. Returns once both
 * directions have ended; the caller closes the sockets. Each direction's thread owns its streams;
 * the counters, the activity clock and the failure are shared atomics.
 */
final class Relay {

  private static final Logger log = LoggerFactory.getLogger(Relay.class);
  private static final int BUFFER = 16 * 1024;
  private static final Duration STRAGGLER_WAIT = Duration.ofSeconds(5);

  /** One direction's work: read from {@code from} (bytes already read come first), write to {@code to}. */
  @FunctionalInterface
  interface Pump {
    void run(InputStream from, OutputStream to) throws IOException;
  }

  /** Everything, until the end of the stream. */
  static final Pump RAW = Relay::copyAll;

  /**
   * @param toDestination bytes already read from the client, given to {@code outbound} first
   * @param toClient bytes already read from the destination, given to {@code inbound} first
   * @param endWithDestination end both directions once the destination finishes sending (plain
   *     HTTP: the client may keep its side open for a next request this proxy will not serve)
   */
  record Plan(byte[] toDestination, Pump outbound, byte[] toClient, Pump inbound, boolean endWithDestination) {}

  /** Bytes relayed (client to destination, destination to client) and why the relay was cut, if it was. */
  record Counts(long out, long in, Optional<String> failure) {}

  private final Socket client;
  private final Socket destination;
  private final Duration idleTimeout;
  private final AtomicLong lastActivity = new AtomicLong(System.nanoTime());
  private final AtomicLong out = new AtomicLong();
  private final AtomicLong in = new AtomicLong();
  private final AtomicBoolean clientAnswered = new AtomicBoolean();
  private final AtomicReference<String> failure = new AtomicReference<>();
  private final CountDownLatch finished = new CountDownLatch(2);

  private Relay(Socket client, Socket destination, Duration idleTimeout) {
    this.client = client;
    this.destination = destination;
    this.idleTimeout = idleTimeout;
  }

  static Counts run(Socket client, Socket destination, Plan plan, Duration idleTimeout, Executor threads) {
    Relay relay = new Relay(client, destination, idleTimeout);
    relay.start(threads, () -> relay.pump(client, destination, plan.toDestination(), plan.outbound(), relay.out, false));
    relay.start(threads, () -> relay.pump(destination, client, plan.toClient(), plan.inbound(), relay.in, plan.endWithDestination()));
    relay.watch();
    return new Counts(relay.out.get(), relay.in.get(), Optional.ofNullable(relay.failure.get()));
  }

  static void copyAll(InputStream from, OutputStream to) throws IOException {
    byte[] buf = new byte[BUFFER];
    int n;
    while ((n = from.read(buf)) >= 0) {
      to.write(buf, 0, n);
    }
  }

  private void start(Executor threads, Runnable direction) {
    try {
      threads.execute(direction);
    } catch (RejectedExecutionException e) { // the proxy is closing
      closeBoth();
      finished.countDown();
    }
  }

  private void pump(Socket from, Socket to, byte[] pending, Pump work, AtomicLong counter, boolean endAll) {
    boolean toClient = to == client;
    try {
      InputStream input = new Watched(new SequenceInputStream(new ByteArrayInputStream(pending), from.getInputStream()));
      OutputStream output = new Counted(to.getOutputStream(), counter, toClient);
      work.run(input, output);
      if (endAll) {
        to.shutdownOutput(); // the answer's end goes out before the close
        closeBoth();
      } else if (!to.isClosed()) {
        to.shutdownOutput();
      }
    } catch (RequestBody.Malformed e) {
      failure.compareAndSet(null, e.getMessage());
      if (clientAnswered.compareAndSet(false, true)) {
        writeQuietly(client, Responses.error(400, e.getMessage()));
      }
      closeQuietly(destination); // the origin is left with an incomplete request, which it will not act on
    } catch (SecretFilter.Leak e) {
      failure.compareAndSet(null, e.getMessage());
      closeBoth();
    } catch (IOException e) {
      if (!from.isClosed() && !to.isClosed()) { // else closed on purpose: the other side or close()
        log.debug("relay {} -> {} failed: {}", from.getRemoteSocketAddress(), to.getRemoteSocketAddress(), e.toString());
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

  private static void writeQuietly(Socket socket, byte[] bytes) {
    try {
      socket.getOutputStream().write(bytes);
      socket.shutdownOutput();
    } catch (IOException e) {
      log.debug("answering {} failed: {}", socket.getRemoteSocketAddress(), e.toString());
    }
  }

  static void closeQuietly(Socket socket) {
    try {
      socket.close();
    } catch (IOException e) {
      log.debug("closing {} failed: {}", socket, e.toString());
    }
  }

  /** Input that keeps the idle clock running. */
  private final class Watched extends FilterInputStream {
    Watched(InputStream in) {
      super(in);
    }

    @Override
    public int read() throws IOException {
      int b = super.read();
      lastActivity.set(System.nanoTime());
      return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int n = super.read(b, off, len);
      lastActivity.set(System.nanoTime());
      return n;
    }
  }

  /** Output that counts what it passes on; towards the client it first claims the answer for the destination. */
  private final class Counted extends FilterOutputStream {
    private final AtomicLong counter;
    private boolean claim;

    Counted(OutputStream out, AtomicLong counter, boolean toClient) {
      super(out);
      this.counter = counter;
      this.claim = toClient;
    }

    @Override
    public void write(int b) throws IOException {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      if (len == 0) {
        return;
      }
      if (claim) {
        if (!clientAnswered.compareAndSet(false, true)) {
          throw new IOException("the proxy has answered the client itself");
        }
        claim = false;
      }
      out.write(b, off, len);
      counter.addAndGet(len);
      lastActivity.set(System.nanoTime());
    }

    @Override
    public void close() {
      throw new UnsupportedOperationException("closing would close the socket; the relay does that");
    }
  }
}
