package dev.warren.shell;

import java.io.IOException;
import java.io.OutputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Feeds the open stdin of commands (a FIFO per command, in {@link LiveSession#stdin}) and ends
 * it. Writes run on the caller's thread, which for data given at submit is a platform worker (a
 * write into a full FIFO blocks in the kernel); a close that must wait for the shell to open the
 * FIFO waits on a worker of its own, one of the {@link CommandQueue}'s {@link Workers}. Thread-safe:
 * whoever removes a stream from the session's map closes it.
 */
final class StdinFeeds {
  private static final Logger log = LoggerFactory.getLogger(StdinFeeds.class);

  private final Workers workers;

  StdinFeeds(Workers workers) {
    this.workers = workers;
  }

  /** Writes to the command's open stdin; {@code close}: then ends it. */
  void write(LiveSession ls, String id, byte[] data, boolean close) {
    OutputStream in = ls.stdin.get(id);
    if (in == null) {
      return;
    }
    try {
      in.write(data);
      in.flush();
    } catch (IOException e) {
      log.debug("stdin of {} closed early: {}", id, e.getMessage());
      close = true;
    }
    if (close) {
      close(ls, id);
    }
  }

  /**
   * Ends the command's stdin. Closing the FIFO before the shell opened it would lose what is in it
   * (and leave the shell waiting for a writer), so that waits until the shell says it opened it.
   */
  private void close(LiveSession ls, String id) {
    OutputStream in = ls.stdin.remove(id);
    if (in == null) {
      return;
    }
    ShellCommand c = ls.inflight.get(id);
    if (c != null && !ls.dir.exists(c.seq() + ".in-open")) {
      boolean started = workers.virtual("stdin-close-" + id, () -> {
        for (int i = 0; i < 600_000 / 20 && !ls.closed() && ls.inflight.containsKey(id) && !ls.dir.exists(c.seq() + ".in-open"); i++) {
          try {
            Thread.sleep(20);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            break;
          }
        }
        closeQuietly(in);
      });
      if (started) {
        return;
      }
    }
    closeQuietly(in);
  }

  void closeNow(LiveSession ls, String id) {
    OutputStream in = ls.stdin.remove(id);
    if (in != null) {
      closeQuietly(in);
    }
  }

  private static void closeQuietly(OutputStream in) {
    try {
      in.close();
    } catch (IOException ignored) {
      // already gone
    }
  }
}
