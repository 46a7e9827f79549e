package dev.warren.runtime.crun;

import dev.warren.host.SyscallException;
import dev.warren.host.Syscalls;
import dev.warren.runtime.SandboxRuntimeException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.net.StandardProtocolFamily;
import java.nio.channels.NetworkChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens TCP connections to listeners on a sandbox's own loopback (DevTools, VNC), which nothing
 * on the host's network reaches. A socket belongs for its whole life to the network namespace of
 * the thread that created it, so one platform thread (never a virtual thread: setns would move
 * its carrier) enters the sandbox's namespace, creates the socket and goes back to the
 * controller's namespace before it takes the next request; the caller then connects the socket.
 *
 * <p>Thread-safe. The worker thread is the only thread that ever leaves the controller's
 * namespace, and only between two setns calls with nothing else in between but creating the
 * socket. A worker that cannot go back is never used again: it ends, and a fresh worker takes
 * its place.
 */
final class NetnsDialer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(NetnsDialer.class);

  /** One socket to create inside {@code netns}; the worker completes {@code result}. */
  private record Request(Path netns, Creator creator, CompletableFuture<NetworkChannel> result) {}

  /** What the worker runs inside the namespace: the creation of one unconnected channel. */
  interface Creator {
    NetworkChannel create() throws IOException;
  }

  private final int home;
  private final BlockingQueue<Request> requests = new LinkedBlockingQueue<>();
  private final AtomicInteger workers = new AtomicInteger();
  private final AtomicBoolean started = new AtomicBoolean();
  private volatile boolean closed;

  NetnsDialer() {
    // the controller's own network namespace: where the worker comes back to after each socket
    this.home = Syscalls.open("/proc/thread-self/ns/net", Syscalls.O_RDONLY);
  }

  /**
   * Connects to {@code 127.0.0.1:port} inside the network namespace pinned at {@code netns}; a
   * connected channel in blocking mode, which the caller closes.
   */
  SocketChannel connect(String what, Path netns, int port, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    SocketChannel ch = (SocketChannel) create(what, netns, () -> SocketChannel.open(StandardProtocolFamily.INET), timeout);
    try {
      ch.socket().setTcpNoDelay(true);
      long left = (deadline - System.nanoTime()) / 1_000_000;
      if (left <= 0) {
        throw new SocketTimeoutException("no time left after creating the socket");
      }
      ch.socket().connect(new InetSocketAddress("127.0.0.1", port), (int) Math.min(Integer.MAX_VALUE, left));
      return ch;
    } catch (IOException e) {
      try {
        ch.close();
      } catch (IOException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw new SandboxRuntimeException("nothing answers on 127.0.0.1:" + port + " inside " + what + ": " + e.getMessage(), e);
    }
  }

  /** Creates a channel inside {@code netns} with {@code creator} (for {@link #connect}, and tests that listen in there). */
  NetworkChannel create(String what, Path netns, Creator creator, Duration timeout) {
    if (closed) {
      throw new SandboxRuntimeException("cannot open a connection into " + what + ": the runtime is closed");
    }
    if (started.compareAndSet(false, true)) {
      startWorker();
    }
    Request r = new Request(netns, creator, new CompletableFuture<>());
    requests.add(r);
    try {
      return r.result().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      r.result().cancel(false);
      throw new SandboxRuntimeException("interrupted while opening a connection into " + what, e);
    } catch (ExecutionException e) {
      throw new SandboxRuntimeException("cannot open a connection into " + what + " (" + netns + "): " + e.getCause().getMessage(),
          e.getCause());
    } catch (TimeoutException e) {
      // a socket made later is closed by the worker, which cannot complete the cancelled request
      r.result().cancel(false);
      throw new SandboxRuntimeException("opening a connection into " + what + " waited more than " + timeout.toMillis() + " ms");
    }
  }

  private void startWorker() {
    Thread.ofPlatform().daemon().name("netns-dialer-" + workers.incrementAndGet()).start(this::work);
  }

  private void work() {
    try {
      // the JDK's socket classes initialise on first use (IPv6 probe and the like): in the controller's namespace
      SocketChannel.open(StandardProtocolFamily.INET).close();
    } catch (IOException e) {
      log.warn("netns dialer: cannot create a socket at all: {}", e.toString());
    }
    while (true) {
      if (closed) {
        // the last worker: no other thread uses the descriptor any more
        Syscalls.close(home);
        return;
      }
      Request r;
      try {
        r = requests.poll(1, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        continue;
      }
      if (r == null || r.result().isDone()) {
        continue;
      }
      boolean home;
      try {
        home = serve(r);
      } catch (Throwable t) {
        // an Error halfway: where the thread is cannot be known
        r.result().completeExceptionally(t);
        home = false;
      }
      if (!home) {
        // this thread may still be inside a sandbox's namespace: it must never serve again
        startWorker();
        return;
      }
    }
  }

  /** Serves one request; false when the thread may not be in the controller's namespace any more. */
  private boolean serve(Request r) {
    int fd;
    try {
      fd = Syscalls.open(r.netns().toString(), Syscalls.O_RDONLY);
    } catch (RuntimeException e) {
      r.result().completeExceptionally(new IOException("the network namespace is gone: " + e.getMessage(), e));
      return true;
    }
    try {
      Syscalls.setns(fd, Syscalls.CLONE_NEWNET);
    } catch (SyscallException e) {
      // refused: the thread did not move
      Syscalls.close(fd);
      r.result().completeExceptionally(e);
      return true;
    } catch (RuntimeException e) {
      Syscalls.close(fd);
      return lost(r, e);
    }
    NetworkChannel made = null;
    Throwable failure = null;
    try {
      made = r.creator().create();
    } catch (IOException | RuntimeException e) {
      failure = e;
    }
    Syscalls.close(fd);
    try {
      Syscalls.setns(home, Syscalls.CLONE_NEWNET);
    } catch (RuntimeException e) {
      closeQuietly(made);
      return lost(r, e);
    }
    if (failure != null) {
      r.result().completeExceptionally(failure);
    } else if (!r.result().complete(made)) {
      // the caller gave up waiting
      closeQuietly(made);
    }
    return true;
  }

  private static boolean lost(Request r, RuntimeException e) {
    log.error("netns dialer thread {} cannot be sure it is back in the controller's network namespace after {}; it ends and is replaced",
        Thread.currentThread().getName(), r.netns(), e);
    r.result().completeExceptionally(new IOException("the dialer could not leave the sandbox's network namespace", e));
    return false;
  }

  private static void closeQuietly(NetworkChannel c) {
    if (c != null) {
      try {
        c.close();
      } catch (IOException e) {
        log.debug("closing a socket: {}", e.toString());
      }
    }
  }

  @Override
  public void close() {
    if (!closed) {
      closed = true;
      Request r;
      while ((r = requests.poll()) != null) {
        r.result().completeExceptionally(new IOException("the runtime is closed"));
      }
      if (started.compareAndSet(false, true)) {
        // no worker ever ran; otherwise the worker closes it when it sees the dialer closed
        Syscalls.close(home);
      }
    }
  }
}
