package dev.warren.preview;

import dev.warren.runtime.SandboxRuntime;
import dev.warren.sandbox.Sandbox;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.Deque;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Connections to an app's port inside a sandbox. Most dev servers listen on every address, so the
 * sandbox's own address on Warren's bridge is tried first, straight from the caller's thread; an
 * app on the sandbox's loopback alone refuses that, and is reached inside the sandbox's network
 * namespace through its {@link dev.warren.runtime.Guest} instead (a hop through the runtime's
 * dialer thread), which is then tried first for that port of that sandbox generation.
 *
 * <p>A connection by address that answered a request in full, with its length known and without
 * {@code Connection: close}, is kept for the next request without a body to the same port and
 * generation ({@link #IDLE_PER_PORT} at most, {@link #IDLE_FOR} each): a new connection costs
 * the app its accept (a new thread, for many dev servers), most of a small request's time. Kept
 * connections live in the controller's own namespace, so they hold nothing of a sandbox that
 * stops: the app's end closes, and a closed one is noticed before use. Connections into a
 * namespace (loopback apps) are never kept. Warren's own loopback listeners never get here
 * ({@link PreviewProxy#requireAppPort}).
 *
 * <p>Thread-safe: the pools and the set of loopback-only ports are concurrent; a connection
 * belongs to one request at a time, between {@link #open} and {@link #release}.
 */
final class AppSockets implements AutoCloseable {
  static final int IDLE_PER_PORT = 8;
  static final Duration IDLE_FOR = Duration.ofSeconds(15);
  private static final int REMEMBERED = 4096;

  /** One connection to an app: its streams, and where it may go back to ({@code key} null: never). */
  static final class Conn {
    final SocketChannel channel;
    final InputStream in;
    final OutputStream out;
    final String key;
    /** Whether it served an earlier request (the app may have closed its end just now). */
    boolean reused;
    long idleSince;

    Conn(SocketChannel channel, String key) throws IOException {
      this.channel = channel;
      this.in = new BufferedInputStream(channel.socket().getInputStream(), 64 * 1024);
      this.out = new BufferedOutputStream(channel.socket().getOutputStream(), 64 * 1024);
      this.key = key;
    }
  }

  private final SandboxRuntime runtime;
  private final Set<String> loopbackOnly = ConcurrentHashMap.newKeySet();
  private final ConcurrentHashMap<String, Deque<Conn>> idle = new ConcurrentHashMap<>();
  private final AtomicLong lastSweep = new AtomicLong(System.nanoTime());

  AppSockets(SandboxRuntime runtime) {
    this.runtime = runtime;
  }

  /**
   * A connection to {@code port} of the app in {@code s}: a kept one when {@code mayReuse} and one
   * is there, else a new one (connected, blocking, no delay); the caller gives it back with
   * {@link #release} or closes it.
   */
  Conn open(Sandbox s, int port, Duration timeout, boolean mayReuse) throws IOException {
    String key = s.id() + ":" + s.generation() + ":" + port;
    if (mayReuse) {
      Conn kept = take(key);
      if (kept != null) {
        return kept;
      }
    }
    boolean refused = false;
    if (!loopbackOnly.contains(key)) {
      SocketChannel ch = null;
      try {
        ch = SocketChannel.open();
        ch.socket().connect(new InetSocketAddress(s.address(), port), (int) timeout.toMillis());
        ch.socket().setTcpNoDelay(true);
        return new Conn(ch, key);
      } catch (ConnectException e) {
        close(ch);
        refused = true;
      } catch (IOException | RuntimeException e) {
        // unreachable by its address for another reason: its loopback may still answer
        close(ch);
      }
    }
    SocketChannel ch = runtime.guest(s.id()).connect(port, timeout);
    if (refused) {
      // its address refused while its loopback answers: that app listens on loopback alone (not merely not up yet)
      if (loopbackOnly.size() >= REMEMBERED) {
        loopbackOnly.clear();
      }
      loopbackOnly.add(key);
    }
    return new Conn(ch, null);
  }

  /** Gives a connection back after a complete exchange: kept when {@code reusable} and there is room, else closed. */
  void release(Conn c, boolean reusable) {
    sweep();
    if (reusable && c.key != null) {
      try {
        if (c.in.available() == 0) {
          Deque<Conn> q = idle.computeIfAbsent(c.key, k -> new ConcurrentLinkedDeque<>());
          if (q.size() < IDLE_PER_PORT) {
            c.idleSince = System.nanoTime();
            q.offerFirst(c);
            return;
          }
        }
      } catch (IOException e) {
        // not worth keeping
      }
    }
    close(c.channel);
  }

  private Conn take(String key) {
    Deque<Conn> q = idle.get(key);
    if (q == null) {
      return null;
    }
    for (Conn c; (c = q.pollFirst()) != null; ) {
      if (System.nanoTime() - c.idleSince < IDLE_FOR.toNanos() && stillOpen(c.channel)) {
        c.reused = true;
        return c;
      }
      close(c.channel);
    }
    return null;
  }

  /** Whether the app's end is still open: nothing to read yet (a closed end reads -1; bytes nobody asked for spoil it). */
  private static boolean stillOpen(SocketChannel ch) {
    try {
      ch.configureBlocking(false);
      int n = ch.read(ByteBuffer.allocate(1));
      ch.configureBlocking(true);
      return n == 0;
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }

  /** Closes kept connections idle past {@link #IDLE_FOR}, at most every few seconds. */
  private void sweep() {
    long now = System.nanoTime();
    long last = lastSweep.get();
    if (now - last < IDLE_FOR.toNanos() / 2 || !lastSweep.compareAndSet(last, now)) {
      return;
    }
    idle.forEach((key, q) -> {
      q.removeIf(c -> {
        if (now - c.idleSince >= IDLE_FOR.toNanos()) {
          close(c.channel);
          return true;
        }
        return false;
      });
      if (q.isEmpty()) {
        idle.remove(key, q);
      }
    });
  }

  static void close(SocketChannel ch) {
    if (ch != null) {
      try {
        ch.close();
      } catch (IOException ignored) {
        // nothing more to send on it
      }
    }
  }

  @Override
  public void close() {
    idle.values().forEach(q -> q.forEach(c -> close(c.channel)));
    idle.clear();
  }
}
