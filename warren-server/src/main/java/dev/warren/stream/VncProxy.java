package dev.warren.stream;

import dev.warren.error.Problem;
import dev.warren.error.WarrenException;
import dev.warren.runtime.SandboxRuntime;
import dev.warren.runtime.SandboxRuntimeException;
import dev.warren.sandbox.Desktop;
import dev.warren.sandbox.Sandbox;
import dev.warren.sandbox.SandboxListener;
import dev.warren.sandbox.SandboxService;
import dev.warren.sandbox.SandboxState;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * VNC over WebSocket for desktop sandboxes: each viewer gets its own TCP connection to the
 * sandbox's x11vnc ({@code 127.0.0.1:5900} inside the sandbox, opened by the runtime) and RFB bytes are
 * relayed both ways as they come, one virtual thread per direction. A viewer that connects while
 * the sandbox (re)starts waits for it. When a sandbox stops, its viewers are closed: with
 * {@link CloseCode#GENERATION_CHANGED} for a restart (the reason names both generations), else
 * with the code saying why. Thread-safe.
 */
public final class VncProxy implements SandboxListener, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(VncProxy.class);
  static final Duration START_WAIT = Duration.ofSeconds(30);
  static final Duration CONNECT_WAIT = Duration.ofSeconds(10);

  private final SandboxService sandboxes;
  private final SandboxRuntime runtime;
  private final Set<Link> links = ConcurrentHashMap.newKeySet();
  private final AtomicBoolean closed = new AtomicBoolean();

  /** One viewer and its connection to the VNC server of one generation of a sandbox. */
  public static final class Link {
    private final String sandboxId;
    private final VncSocket socket;
    private volatile long generation = -1;
    private volatile SocketChannel upstream;
    private final java.util.concurrent.CompletableFuture<OutputStream> out = new java.util.concurrent.CompletableFuture<>();

    Link(String sandboxId, VncSocket socket) {
      this.sandboxId = sandboxId;
      this.socket = socket;
    }
  }

  public VncProxy(SandboxService sandboxes, SandboxRuntime runtime) {
    this.sandboxes = sandboxes;
    this.runtime = runtime;
    sandboxes.addListener(this);
  }

  /** A viewer's socket opened (its token already checked); it is connected in the background. */
  public Link connect(String sandboxId, VncSocket socket) {
    Link l = new Link(sandboxId, socket);
    if (closed.get()) {
      socket.close(CloseCode.SHUTTING_DOWN, "the controller is shutting down; reconnect to the same URL");
      return l;
    }
    links.add(l);
    Thread.ofVirtual().name("vnc-" + sandboxId).start(() -> run(l));
    return l;
  }

  /** Bytes from the viewer, written to the VNC server (waiting for the connection to it if needed). */
  public void fromViewer(Link l, ByteBuffer data) {
    try {
      OutputStream o = l.out.get(CONNECT_WAIT.toSeconds() + START_WAIT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS);
      byte[] b = new byte[data.remaining()];
      data.get(b);
      o.write(b);
      o.flush();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Exception e) {
      end(l, CloseCode.INTERNAL, "cannot write to the VNC server of " + l.sandboxId + ": " + e.getMessage());
    }
  }

  /** The viewer's socket closed. */
  public void disconnected(Link l) {
    links.remove(l);
    closeUpstream(l);
  }

  private void run(Link l) {
    Sandbox s;
    try {
      s = awaitRunning(l);
    } catch (WarrenException e) {
      end(l, e.problem() == Problem.NOT_FOUND ? CloseCode.GONE : CloseCode.NOT_RUNNING, e.getMessage());
      return;
    }
    if (s == null) {
      return;
    }
    if (s.spec().desktop().isEmpty()) {
      end(l, CloseCode.BAD_REQUEST, "sandbox " + s.id() + " has no desktop (ask for one at create: \"desktop\": {\"width\": 1280, \"height\": 720})");
      return;
    }
    l.generation = s.generation();
    SocketChannel up = connectUpstream(s);
    if (up == null) {
      end(l, CloseCode.NOT_RUNNING, "the VNC server of " + s.id() + " does not answer on port " + Desktop.VNC_PORT + " within "
          + CONNECT_WAIT.toSeconds() + " s");
      return;
    }
    l.upstream = up;
    if (!l.socket.isOpen() || !links.contains(l)) {
      closeUpstream(l);
      return;
    }
    try {
      l.out.complete(up.socket().getOutputStream());
      InputStream in = up.socket().getInputStream();
      byte[] buf = new byte[64 * 1024];
      int n;
      while ((n = in.read(buf)) > 0) {
        l.socket.sendBinary(ByteBuffer.wrap(buf, 0, n).asReadOnlyBuffer().duplicate());
        buf = new byte[64 * 1024];
      }
      end(l, CloseCode.NOT_RUNNING, "the VNC server of " + s.id() + " closed the connection");
    } catch (IOException e) {
      if (links.contains(l)) {
        end(l, CloseCode.NOT_RUNNING, "the connection to the VNC server of " + s.id() + " failed: " + e.getMessage());
      }
    }
  }

  /** The running sandbox, waiting while it starts; null when the viewer left meanwhile. */
  private Sandbox awaitRunning(Link l) {
    long deadline = System.nanoTime() + START_WAIT.toNanos();
    while (l.socket.isOpen()) {
      Sandbox s = sandboxes.get(l.sandboxId);
      switch (s.state()) {
        case RUNNING -> {
          return s;
        }
        case PAUSED -> {
          // a viewer resumes a paused desktop (a paused headed browser with it), like a terminal does
          return sandboxes.ready(s.id(), "view the desktop of", true).sandbox();
        }
        case CREATING, STARTING, STOPPING -> {
          // a restart passes through these
        }
        default -> throw new StreamException(Problem.CONFLICT, "sandbox " + s.id() + " is " + s.state().wire()
            + s.stateReason().map(r -> " (" + r + ")").orElse("") + "; start it first");
      }
      if (System.nanoTime() > deadline) {
        throw new StreamException(Problem.CONFLICT, "sandbox " + s.id() + " did not start within " + START_WAIT.toSeconds() + " s");
      }
      sleep(25);
    }
    return null;
  }

  /** x11vnc listens a moment after the sandbox starts: retry until it does. */
  private SocketChannel connectUpstream(Sandbox s) {
    long deadline = System.nanoTime() + CONNECT_WAIT.toNanos();
    while (System.nanoTime() < deadline) {
      try {
        return runtime.guest(s.id()).connect(Desktop.VNC_PORT, Duration.ofSeconds(1));
      } catch (SandboxRuntimeException e) {
        log.debug("VNC of {} not there yet: {}", s.id(), e.getMessage());
        sleep(50);
      }
    }
    return null;
  }

  @Override
  public void stopping(Sandbox sandbox) {
    for (Link l : links) {
      if (!l.sandboxId.equals(sandbox.id()) || (l.generation >= 0 && l.generation > sandbox.generation())) {
        continue;
      }
      if (sandbox.state() == SandboxState.DELETING) {
        end(l, CloseCode.GONE, "sandbox " + sandbox.id() + " was deleted");
      } else if (SandboxService.isRestart(sandbox)) {
        end(l, CloseCode.GENERATION_CHANGED, LiveViews.generationChanged(sandbox.id(), sandbox.generation(), sandbox.generation() + 1,
            "the sandbox is restarting"));
      } else {
        end(l, CloseCode.NOT_RUNNING, "sandbox " + sandbox.id() + " stopped" + sandbox.stateReason().map(r -> " (" + r + ")").orElse(""));
      }
    }
  }

  private void end(Link l, CloseCode code, String reason) {
    links.remove(l);
    l.socket.close(code, reason);
    closeUpstream(l);
    l.out.completeExceptionally(new IOException(reason));
  }

  private static void closeUpstream(Link l) {
    SocketChannel up = l.upstream;
    if (up != null) {
      try {
        up.close();
      } catch (IOException e) {
        log.debug("closing a VNC connection: {}", e.toString());
      }
    }
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      for (Link l : links) {
        end(l, CloseCode.SHUTTING_DOWN, "the controller is shutting down; reconnect to the same URL");
      }
    }
  }
}
