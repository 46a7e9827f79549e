package dev.warren.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The floor under a session's round trip: a bash loop in the sandbox that reads a line from one
 * FIFO and writes it back to a second one, driven from the host (write a line, read the answer).
 * This is the part of a session command that cannot be taken away (bash reading a FIFO, as the
 * session's shell does), without HTTP, the store, files or inotify.
 *
 * <p>The loop runs as an async command of a session of its own. The host opens both FIFOs
 * read-write, so neither side's open waits for the other. A watchdog closes the FIFOs when one
 * round trip takes longer than {@link #STUCK}, which ends the blocked read with an exception.
 * One round trip at a time; {@link #close()} is idempotent.
 */
final class FifoLoop implements AutoCloseable {
  static final Duration STUCK = Duration.ofSeconds(10);
  private static final String DIR = "/tmp/warren-bench";
  /** A directory of its own: fs.protected_fifos does not apply outside world-writable sticky directories. */
  private static final String MAKE = "rm -rf " + DIR + " && mkdir -m 0700 " + DIR + " && mkfifo -m 0600 " + DIR + "/in " + DIR + "/out";
  private static final String LOOP = "while IFS= read -r line; do [[ $line == quit ]] && break; printf '%s\\n' \"$line\" >&4; done <"
      + DIR + "/in 4>" + DIR + "/out";

  private final SessionSandbox sandbox;
  private final ApiClient api;
  private final String sessionId;
  private final FileChannel in;
  private final FileChannel out;
  private final ByteBuffer answer = ByteBuffer.allocate(256);
  private final AtomicBoolean closed = new AtomicBoolean();
  private volatile long since;
  private long n;
  private String loopCommand;

  private FifoLoop(SessionSandbox sandbox, ApiClient api, String sessionId, FileChannel in, FileChannel out) {
    this.sandbox = sandbox;
    this.api = api;
    this.sessionId = sessionId;
    this.in = in;
    this.out = out;
  }

  /** Makes the FIFOs, opens them from the host and starts the loop in {@code sessionId}. */
  static FifoLoop start(SessionSandbox sandbox, ApiClient api, String sessionId) {
    sandbox.run(api, sessionId, MAKE);
    Path dir = sandbox.rootfs().resolve(DIR.substring(1));
    List<FileChannel> opened = new ArrayList<>();
    try {
      opened.add(FileChannel.open(dir.resolve("in"), StandardOpenOption.READ, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS));
      opened.add(FileChannel.open(dir.resolve("out"), StandardOpenOption.READ, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS));
      FifoLoop f = new FifoLoop(sandbox, api, sessionId, opened.get(0), opened.get(1));
      f.loopCommand = api.post(sandbox.path("/sessions/" + sessionId + "/commands"),
          ApiClient.JSON.writeValueAsString(ApiClient.JSON.createObjectNode().put("command", LOOP).put("async", true)),
          SessionSandbox.T).expect(202).json().path("id").asString();
      Thread.ofVirtual().name("fifo-watchdog").start(f::watch);
      return f;
    } catch (IOException | RuntimeException e) {
      RuntimeException failure = e instanceof RuntimeException r ? r
          : new UncheckedIOException("cannot open the FIFOs in " + dir + " from the host", (IOException) e);
      IOException closing = close(opened);
      if (closing != null) {
        failure.addSuppressed(closing);
      }
      throw failure;
    }
  }

  /** One round trip, in nanoseconds: write a line into the loop, read the same line back. */
  long roundTrip() {
    String line = "ping " + (++n) + "\n";
    byte[] sent = line.getBytes(StandardCharsets.US_ASCII);
    try {
      long t0 = System.nanoTime();
      since = t0;
      in.write(ByteBuffer.wrap(sent));
      answer.clear();
      while (answer.position() == 0 || answer.get(answer.position() - 1) != '\n') {
        if (out.read(answer) < 0 || !answer.hasRemaining()) {
          throw new IllegalStateException("the FIFO loop answered '" + got() + "' to '" + line.strip() + "'");
        }
      }
      long elapsed = System.nanoTime() - t0;
      since = 0;
      if (!got().equals(line)) {
        throw new IllegalStateException("the FIFO loop answered '" + got().strip() + "' to '" + line.strip() + "'");
      }
      return elapsed;
    } catch (IOException e) {
      throw new UncheckedIOException("FIFO round trip " + n + (closed.get() ? " stuck for " + STUCK.toSeconds()
          + " s (the watchdog closed the FIFOs)" : "") + ": " + e, e);
    }
  }

  private String got() {
    return new String(answer.array(), 0, answer.position(), StandardCharsets.US_ASCII);
  }

  private void watch() {
    while (!closed.get()) {
      long s = since;
      if (s != 0 && System.nanoTime() - s > STUCK.toNanos()) {
        closed.set(true);
        // closing ends the blocked read with an AsynchronousCloseException; the round trip reports it
        close(List.of(in, out));
        return;
      }
      try {
        Thread.sleep(500);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  /** Asks the loop to stop, waits (bounded) for its command to end, and closes the FIFOs. */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    RuntimeException failure = null;
    try {
      in.write(ByteBuffer.wrap("quit\n".getBytes(StandardCharsets.US_ASCII)));
      String job = sandbox.path("/sessions/" + sessionId + "/commands/" + loopCommand + "?wait=10&output=false");
      String state = api.get(job, SessionSandbox.T).expect(200).json().path("state").asString();
      if (!state.equals("finished")) {
        failure = new IllegalStateException("the FIFO loop (" + loopCommand + ") did not end when asked: " + state);
      }
    } catch (IOException e) {
      failure = new UncheckedIOException("cannot ask the FIFO loop to stop: " + e, e);
    } catch (RuntimeException e) {
      failure = e;
    }
    IOException closing = close(List.of(in, out));
    if (closing != null && failure == null) {
      failure = new UncheckedIOException("cannot close the FIFOs: " + closing, closing);
    } else if (closing != null) {
      failure.addSuppressed(closing);
    }
    if (failure != null) {
      throw failure;
    }
  }

  /** Closes the FIFOs without asking the loop to stop; deleting its session ends it. Idempotent. */
  void abandon() {
    if (closed.compareAndSet(false, true)) {
      close(List.of(in, out));
    }
  }

  /** Closes every channel; returns the first failure with the others suppressed, or null. */
  private static IOException close(List<FileChannel> channels) {
    IOException failure = null;
    for (FileChannel c : channels) {
      try {
        c.close();
      } catch (IOException e) {
        if (failure == null) {
          failure = e;
        } else {
          failure.addSuppressed(e);
        }
      }
    }
    return failure;
  }
}
