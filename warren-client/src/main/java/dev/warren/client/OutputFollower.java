package dev.warren.client;

import java.io.IOException;
import java.io.InputStream;
import java.lang.System.Logger.Level;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Follows one output stream of a command through the logs endpoint's Server-Sent Events until the
 * {@code exit} event. Each {@code output} event's id is the stream offset after its bytes, so a
 * dropped connection (an I/O error, an end without {@code exit}, or no data for the idle limit;
 * the server sends a heartbeat every 15 s) is resumed with {@code Last-Event-ID} at the last byte
 * handed over. Bytes the server sends again are skipped and a gap is an error, so the sink sees
 * every byte exactly once, in order. Failures in a row without progress are bounded by the
 * client's attempts, with its backoff between them. One instance per follow; not thread-safe.
 */
final class OutputFollower {

  private static final System.Logger LOG = System.getLogger("dev.warren.client");
  static final Duration IDLE_LIMIT = Duration.ofSeconds(45);

  private final HttpTransport transport;
  private final String logsPath;
  private final String stream;
  private final Duration idleLimit;
  private long position;
  private boolean progressed;

  /**
   * @param logsPath the command's logs route, e.g. {@code /v1/sandboxes/sbx_1/sessions/ses_1/commands/cmd_1/logs}
   * @param stream {@code stdout} or {@code stderr}
   */
  OutputFollower(HttpTransport transport, String logsPath, String stream, Duration idleLimit) {
    this.transport = transport;
    this.logsPath = logsPath;
    this.stream = stream;
    this.idleLimit = idleLimit;
  }

  /** Hands every byte from {@code offset} on to {@code sink} and answers the job from the exit event. */
  CommandInfo follow(long offset, Consumer<byte[]> sink) {
    if (offset < 0) throw new IllegalArgumentException("offset must not be negative, got " + offset);
    position = offset;
    try {
      return resume(sink);
    } catch (SinkFailed e) {
      throw (RuntimeException) e.getCause();
    }
  }

  private CommandInfo resume(Consumer<byte[]> sink) {
    int failures = 0;
    while (true) {
      Call call = call();
      progressed = false;
      String why;
      Exception cause = null;
      try {
        Optional<CommandInfo> exit = connect(call, sink);
        if (exit.isPresent()) return exit.get();
        why = "the stream ended before the exit event";
      } catch (IOException e) {
        if (Thread.currentThread().isInterrupted()) {
          throw HttpTransport.interrupted(call, new InterruptedException(e.toString()));
        }
        why = e.toString();
        cause = e;
      } catch (WarrenException e) {
        if (!HttpTransport.isRetryable(e.status())) throw e;
        why = e.getMessage();
        cause = e;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw HttpTransport.interrupted(call, e);
      }
      failures = progressed ? 1 : failures + 1;
      if (failures >= transport.backoff().maxAttempts()) {
        if (cause instanceof WarrenException answered) throw answered;
        String message = "following " + stream + " with " + call.describe() + " failed " + failures
            + " times in a row at byte " + position + " (" + why + ")";
        throw new UnavailableException(message, call.method(), call.pathAndQuery(), null, cause);
      }
      pause(call, failures, why);
    }
  }

  private Call call() {
    Call call = Call.get(logsPath + "?stream=" + stream + "&follow=true&offset=" + position)
        .header("Accept", "text/event-stream");
    return position > 0 ? call.header("Last-Event-ID", Long.toString(position)) : call;
  }

  private Optional<CommandInfo> connect(Call call, Consumer<byte[]> sink) throws IOException, InterruptedException {
    HttpResponse<InputStream> response = transport.open(call);
    try (var body = new IdleGuard(response.body(), idleLimit)) {
      var parser = new SseParser(body);
      for (var event = parser.next(); event.isPresent(); event = parser.next()) {
        switch (event.get().type()) {
          case "output" -> deliver(call, event.get(), sink);
          case "exit" -> {
            return Optional.of(exit(call, event.get()));
          }
          default -> {
            // events this SDK does not know yet
          }
        }
      }
      return Optional.empty();
    }
  }

  private void deliver(Call call, SseParser.Event event, Consumer<byte[]> sink) {
    long end;
    byte[] bytes;
    try {
      end = Long.parseLong(event.lastEventId().orElseThrow(() -> new IllegalArgumentException("no id")));
      bytes = Base64.getDecoder().decode(event.data());
    } catch (IllegalArgumentException e) {
      throw protocol(call, "an output event this SDK cannot read (" + e.getMessage() + ")", e);
    }
    long start = end - bytes.length;
    if (start > position) {
      throw protocol(call, "output jumped from byte " + position + " to byte " + start + "; bytes would be lost", null);
    }
    if (end <= position) return;
    byte[] fresh = start == position ? bytes : Arrays.copyOfRange(bytes, (int) (position - start), bytes.length);
    position = end;
    progressed = true;
    try {
      sink.accept(fresh);
    } catch (RuntimeException e) {
      throw new SinkFailed(e);
    }
  }

  /** Carries the sink's own exception past the retry logic, which must not take it for the server's. */
  private static final class SinkFailed extends RuntimeException {
    SinkFailed(RuntimeException cause) {
      super(cause);
    }
  }

  private CommandInfo exit(Call call, SseParser.Event event) {
    try {
      return ShellWire.commandInfo(Json.parse(event.data()));
    } catch (IllegalArgumentException e) {
      throw protocol(call, "an exit event this SDK cannot read (" + e.getMessage() + ")", e);
    }
  }

  private WarrenException protocol(Call call, String what, Exception cause) {
    return new WarrenException(call.describe() + " sent " + what, call.method(), call.pathAndQuery(), null, cause);
  }

  private void pause(Call call, int failures, String why) {
    Duration delay = transport.backoff().delay(failures, Optional.empty());
    LOG.log(Level.INFO, "{0}: {1}; resuming at byte {2} in {3} ms", call.describe(), why, Long.toString(position),
        Long.toString(delay.toMillis()));
    try {
      Thread.sleep(delay.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw HttpTransport.interrupted(call, e);
    }
  }
}
