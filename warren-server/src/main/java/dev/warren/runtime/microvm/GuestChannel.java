package dev.warren.runtime.microvm;

import dev.warren.runtime.ExecResult;
import dev.warren.runtime.ExecSpec;
import dev.warren.runtime.GuestProtocol;
import dev.warren.runtime.SandboxRuntimeException;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The controller's end of one VM's guest port (the virtio serial port {@code warren.guest}, a unix
 * socket QEMU listens on in the VM's directory): protocol {@code warren-guest 1} frames out,
 * answers in (docs/microvm.md). One connection per VM and controller; QEMU takes one client at a
 * time. Commands run concurrently in the guest: each has an id, and the answers come back in any
 * order. Frames are written under {@code writeLock}; one virtual thread ({@code guest-read-<id>})
 * owns the input and completes the waiting calls. When the connection breaks every waiting call
 * fails and the channel is closed; the runtime makes a new one for the next call. An answer the
 * guest writes while no controller is connected waits in the port for the next one.
 */
final class GuestChannel implements AutoCloseable {
  private static final AtomicLong IDS = new AtomicLong();
  /** On top of a command's own timeout: the frames' trip through a guest emulated under TCG. */
  private static final Duration SLACK = Duration.ofSeconds(30);

  private final String sandboxId;
  private final SocketChannel channel;
  private final ReentrantLock writeLock = new ReentrantLock();
  private final CompletableFuture<String> ready = new CompletableFuture<>();
  private final Map<String, CompletableFuture<ExecResult>> waiting = new ConcurrentHashMap<>();
  private volatile boolean closed;

  private GuestChannel(String sandboxId, SocketChannel channel) {
    this.sandboxId = sandboxId;
    this.channel = channel;
  }

  /**
   * Connects to the VM's guest socket, says hello and waits up to {@code timeout} for the agent's
   * ready frame (a VM that is still booting answers when its agent starts).
   */
  static GuestChannel open(VmDir vm, Duration timeout) {
    SocketChannel ch;
    try {
      ch = SocketChannel.open(StandardProtocolFamily.UNIX);
      ch.connect(UnixDomainSocketAddress.of(vm.guestSocket()));
    } catch (IOException e) {
      throw new SandboxRuntimeException("cannot connect to the guest port of sandbox " + vm.id() + " (" + vm.guestSocket() + "): "
          + e.getMessage(), e);
    }
    GuestChannel g = new GuestChannel(vm.id(), ch);
    Thread.ofVirtual().name("guest-read-" + vm.id()).start(g::readLoop);
    try {
      g.write(GuestProtocol.hello());
      String line = g.ready.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      if (!GuestProtocol.announces(line) || !line.startsWith("ready ")) {
        throw new SandboxRuntimeException("the agent of sandbox " + vm.id() + " refused protocol " + GuestProtocol.NAME + " "
            + GuestProtocol.VERSION + ": " + line);
      }
      return g;
    } catch (TimeoutException e) {
      g.close();
      throw new SandboxRuntimeException("the agent of sandbox " + vm.id() + " did not answer within " + timeout.toSeconds()
          + " s (its console: " + vm.console() + ")", e);
    } catch (ExecutionException e) {
      g.close();
      throw new SandboxRuntimeException("the guest port of sandbox " + vm.id() + " closed before its agent answered: "
          + e.getCause().getMessage(), e.getCause());
    } catch (InterruptedException e) {
      g.close();
      Thread.currentThread().interrupt();
      throw new SandboxRuntimeException("interrupted while waiting for the agent of sandbox " + vm.id(), e);
    } catch (RuntimeException e) {
      g.close();
      throw e;
    }
  }

  boolean open() {
    return !closed;
  }

  /** Runs {@code spec} in the guest and waits for its answer (its timeout plus {@link #SLACK}). */
  ExecResult exec(ExecSpec spec) {
    String id = "x" + IDS.incrementAndGet();
    long seconds = Math.max(1, (spec.timeout().toMillis() + 999) / 1000);
    byte[] argv = GuestProtocol.nulSeparated(spec.argv());
    byte[] env = GuestProtocol.nulSeparated(spec.env().entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList());
    byte[] cwd = spec.cwd().orElse("").getBytes(StandardCharsets.UTF_8);
    byte[] payload = concat(argv, env, cwd, spec.stdin());
    String head = "exec " + id + " " + seconds + " " + Math.max(0, spec.maxOutputBytes()) + " " + argv.length + " " + env.length + " " + cwd.length;
    CompletableFuture<ExecResult> answer = new CompletableFuture<>();
    waiting.put(id, answer);
    long t0 = System.nanoTime();
    try {
      write(GuestProtocol.frame(head, payload));
      ExecResult r = answer.get(seconds * 1000 + SLACK.toMillis(), TimeUnit.MILLISECONDS);
      return new ExecResult(r.exitCode(), r.stdout(), r.stderr(), Duration.ofNanos(System.nanoTime() - t0), r.timedOut(), r.truncated(),
          false, r.stdoutSize(), r.stderrSize());
    } catch (TimeoutException e) {
      throw new SandboxRuntimeException("the agent of sandbox " + sandboxId + " did not answer command " + id + " within "
          + (seconds + SLACK.toSeconds()) + " s", e);
    } catch (ExecutionException e) {
      throw new SandboxRuntimeException("command " + id + " in sandbox " + sandboxId + " failed: " + e.getCause().getMessage(), e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new SandboxRuntimeException("interrupted while running a command in sandbox " + sandboxId, e);
    } finally {
      waiting.remove(id);
    }
  }

  private void write(byte[] frame) {
    writeLock.lock();
    try {
      ByteBuffer b = ByteBuffer.wrap(frame);
      while (b.hasRemaining()) {
        channel.write(b);
      }
    } catch (IOException e) {
      close();
      throw new SandboxRuntimeException("cannot write to the guest port of sandbox " + sandboxId + ": " + e.getMessage(), e);
    } finally {
      writeLock.unlock();
    }
  }

  private void readLoop() {
    Throwable end = null;
    try (InputStream in = new BufferedInputStream(Channels.newInputStream(channel))) {
      while (true) {
        String line = readLine(in);
        if (line == null) {
          break;
        }
        List<String> w = List.of(line.split(" "));
        int length = Integer.parseInt(w.getLast());
        byte[] payload = in.readNBytes(length);
        if (payload.length < length) {
          break;
        }
        switch (w.getFirst()) {
          case "ready", "refused" -> ready.complete(line);
          case "exit" -> answered(w, payload);
          default -> throw new IOException("unknown frame from the agent: " + line);
        }
      }
    } catch (IOException | RuntimeException e) {
      end = e;
    } finally {
      String why = end == null ? "the guest port closed" : end.toString();
      closed = true;
      SandboxRuntimeException failure = new SandboxRuntimeException("the guest port of sandbox " + sandboxId + " broke: " + why);
      ready.completeExceptionally(failure);
      waiting.values().forEach(f -> f.completeExceptionally(failure));
      close();
    }
  }

  /** {@code exit <id> <code> <timed out> <stdout size> <stderr size> <stdout bytes> <length>}. */
  private void answered(List<String> w, byte[] payload) {
    CompletableFuture<ExecResult> f = waiting.get(w.get(1));
    if (f == null) {
      return; // its caller gave up (timeout), or a command of an earlier controller: nobody waits
    }
    int code = Integer.parseInt(w.get(2));
    boolean timedOut = w.get(3).equals("1");
    long outSize = Long.parseLong(w.get(4));
    long errSize = Long.parseLong(w.get(5));
    int outLen = Integer.parseInt(w.get(6));
    byte[] out = Arrays.copyOfRange(payload, 0, outLen);
    byte[] err = Arrays.copyOfRange(payload, outLen, payload.length);
    f.complete(new ExecResult(code, out, err, Duration.ZERO, timedOut, outSize > out.length || errSize > err.length, false, outSize,
        errSize));
  }

  private static String readLine(InputStream in) throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    int c;
    while ((c = in.read()) != '\n') {
      if (c < 0) {
        return null;
      }
      if (line.size() > 4096) {
        throw new IOException("a frame header from the agent is longer than 4 KiB");
      }
      line.write(c);
    }
    return line.toString(StandardCharsets.UTF_8);
  }

  private static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      b.writeBytes(p);
    }
    return b.toByteArray();
  }

  @Override
  public void close() {
    closed = true;
    try {
      channel.close();
    } catch (IOException e) {
      // the VM's side ends with it; nothing to release
    }
  }
}
