package dev.warren.shell;

import dev.warren.runtime.Guest;
import dev.warren.runtime.GuestDir;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An interactive terminal in a sandbox: a login shell on a pseudo-terminal run by
 * {@code /.warren/terminal.py}, relayed through FIFOs. Output goes to a consumer on a thread of its own
 * until the shell exits; input and resizes come from the caller. {@code close()} ends the shell and
 * removes the FIFOs; it is idempotent.
 */
public final class Terminal implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Terminal.class);

  private final String sandboxId;
  private final String id;
  private final GuestDir dir;
  private final Guest guest;
  private final long pid;
  private final GuestDir.FifoWriter ctl;
  private final OutputStream in;
  private final AtomicBoolean closed = new AtomicBoolean();
  static final int MAX_PENDING_INPUT = 1 << 20;
  private static final byte[] END_OF_INPUT = new byte[0];
  private final java.util.concurrent.LinkedBlockingQueue<byte[]> input = new java.util.concurrent.LinkedBlockingQueue<>();
  private final java.util.concurrent.atomic.AtomicLong pendingInput = new java.util.concurrent.atomic.AtomicLong();
  private final AtomicBoolean writerStarted = new AtomicBoolean();
  private volatile boolean inputFailed;

  private final Consumer<Terminal> onClose;

  Terminal(String sandboxId, String id, GuestDir dir, Guest guest, long pid, OutputStream in, Consumer<Terminal> onClose) {
    this.onClose = onClose;
    this.sandboxId = sandboxId;
    this.id = id;
    this.dir = dir;
    this.guest = guest;
    this.pid = pid;
    this.ctl = dir.fifoWriter("ctl");
    this.in = in;
  }

  public String id() {
    return id;
  }

  String sandboxId() {
    return sandboxId;
  }

  /**
   * Relays the terminal's output to {@code output} until the shell exits (then {@code onExit} gets
   * its exit status, or -1 when the terminal was closed). Runs on a new thread; returns at once.
   */
  void pump(Consumer<byte[]> output, java.util.function.IntConsumer onExit) {
    // a platform thread: opening and reading a FIFO block in the kernel, which would pin a virtual
    // thread's carrier for as long as the terminal lives (two idle terminals starved a 2-CPU controller)
    Thread.ofPlatform().daemon().name("pty-" + id).start(() -> {
      int status = -1;
      // no-follow: the sandbox owns the name "out" and may have made it a symlink to a host path
      try (InputStream out = dir.openForReading("out")) {
        byte[] buf = new byte[32 * 1024];
        int n;
        while ((n = out.read(buf)) >= 0) {
          output.accept(java.util.Arrays.copyOf(buf, n));
        }
        for (int i = 0; i < 50 && !dir.exists("exit"); i++) {
          Thread.sleep(20);
        }
        status = dir.read("exit", 32).map(b -> Integer.parseInt(new String(b, StandardCharsets.UTF_8).strip())).orElse(-1);
      } catch (IOException | RuntimeException e) {
        log.debug("terminal {} output ended: {}", id, e.toString());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      onExit.accept(status);
    });
  }

  /**
   * Queues {@code data} for the shell's input. A platform thread writes it: a FIFO write blocks in
   * the kernel while the shell is not reading (a large paste into a busy terminal), which would
   * hold a virtual thread's carrier. Past {@link #MAX_PENDING_INPUT} bytes not yet taken the
   * terminal is not reading at all, and the write fails.
   */
  public void write(byte[] data) throws IOException {
    if (closed.get() || inputFailed) {
      throw new IOException("the terminal's input is closed");
    }
    if (pendingInput.addAndGet(data.length) > MAX_PENDING_INPUT) {
      pendingInput.addAndGet(-data.length);
      throw new IOException("the terminal has " + MAX_PENDING_INPUT / 1024 + " KiB of input it has not read");
    }
    input.add(data);
    if (writerStarted.compareAndSet(false, true)) {
      Thread.ofPlatform().daemon().name("pty-in-" + id).start(this::writeInput);
    }
  }

  private void writeInput() {
    try {
      while (true) {
        byte[] data = input.take();
        if (data == END_OF_INPUT) {
          return;
        }
        in.write(data);
        in.flush();
        pendingInput.addAndGet(-data.length);
      }
    } catch (IOException e) {
      inputFailed = true;
      log.debug("terminal {} input ended: {}", id, e.toString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  public void resize(int cols, int rows) {
    ctl.write(("resize " + cols + " " + rows + "\n").getBytes(StandardCharsets.UTF_8));
  }

  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    onClose.accept(this);
    input.add(END_OF_INPUT);
    try {
      in.close();
    } catch (IOException ignored) {
      // the relay is gone
    }
    ctl.close();
    // the relay and the shell (a session of its own) and whatever was started from the terminal
    guest.killSession(pid);
    guest.killMarked("WARREN_TERMINAL_ID", id, 20);
    // a relay killed before it opened its output leaves the pump blocked in open(): a writer lets
    // it through to end of file. Opened through the directory without following a symlink and
    // without creating anything: the sandbox may have replaced "out" with a link to a host path.
    try (var unblock = dir.fifoWriter("out")) {
      // opened and closed at once
    } catch (RuntimeException ignored) {
      // gone already, or not a FIFO any more
    }
    for (String f : new String[] {"in", "out", "ctl", "exit", "exit.tmp"}) {
      try {
        dir.delete(f);
      } catch (RuntimeException ignored) {
        // already gone
      }
    }
    dir.close();
  }
}
