package dev.warren.client;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Base64;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A loopback server for one command's output, {@code cmd_1} of {@code ses_1} in {@code sbx_1}: its
 * logs route answers Server-Sent Events the way each queued {@link Plan} says (drop mid-event,
 * end without exit, resend, hang), and remembers the offset and {@code Last-Event-ID} each
 * connection asked for. The command route answers the finished job.
 */
final class SseLogServer implements AutoCloseable {

  static final String COMMAND = "/v1/sandboxes/sbx_1/sessions/ses_1/commands/cmd_1";
  static final int CHUNK = 4096;

  /** What one connection to the logs route does. */
  interface Plan {
    void serve(Connection c) throws IOException;
  }

  /** One follow request: where it asked to start, and ways to answer it. */
  final class Connection {
    final long offset;
    private final HttpExchange exchange;

    Connection(HttpExchange exchange, long offset) {
      this.exchange = exchange;
      this.offset = offset;
    }

    /** 200 with a chunked body: closing it is a clean end of stream. */
    Connection open() throws IOException {
      exchange.getResponseHeaders().add("Content-Type", "text/event-stream");
      exchange.sendResponseHeaders(200, 0);
      return this;
    }

    /** 200 promising more bytes than will come: closing it breaks the connection mid-body. */
    Connection openToBreak() throws IOException {
      exchange.getResponseHeaders().add("Content-Type", "text/event-stream");
      exchange.sendResponseHeaders(200, 1L << 30);
      return this;
    }

    /** Output events for {@code [from, to)} in {@link #CHUNK}-byte pieces, each id the offset after it. */
    Connection output(long from, long to) throws IOException {
      for (long pos = from; pos < to; pos += CHUNK) {
        int end = (int) Math.min(to, pos + CHUNK);
        byte[] piece = Arrays.copyOfRange(content, (int) pos, end);
        write("event: output\nid: " + end + "\ndata: " + Base64.getEncoder().encodeToString(piece) + "\n\n");
      }
      return this;
    }

    /** The first half of an output event, without the blank line that would dispatch it. */
    Connection halfAnEvent(long from) throws IOException {
      String data = Base64.getEncoder().encodeToString(Arrays.copyOfRange(content, (int) from, (int) from + CHUNK));
      write("event: output\nid: " + (from + CHUNK) + "\ndata: " + data.substring(0, data.length() / 2));
      return this;
    }

    Connection exit() throws IOException {
      write("event: exit\ndata: " + job(content.length, false) + "\n\n");
      return this;
    }

    Connection write(String text) throws IOException {
      exchange.getResponseBody().write(text.getBytes(StandardCharsets.UTF_8));
      exchange.getResponseBody().flush();
      return this;
    }

    void problem(int status, String type) throws IOException {
      byte[] body = Json.writeBytes(Map.of("type", "https://warren.dev/problems/" + type, "title", type,
          "status", status, "detail", "as planned"));
      exchange.getResponseHeaders().add("Content-Type", "application/problem+json");
      exchange.sendResponseHeaders(status, body.length);
      exchange.getResponseBody().write(body);
    }

    void hang(Duration d) {
      try {
        Thread.sleep(d);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  final byte[] content;
  final List<Long> offsets = new CopyOnWriteArrayList<>();
  final List<String> lastEventIds = new CopyOnWriteArrayList<>();
  private final Deque<Plan> plans = new ArrayDeque<>();
  private final ReentrantLock lock = new ReentrantLock();
  private final HttpServer server;
  private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();

  SseLogServer(byte[] content) {
    this.content = content;
    try {
      server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    server.setExecutor(executor);
    server.createContext(COMMAND + "/logs", this::logs);
    server.createContext(COMMAND, this::command);
    server.start();
  }

  SseLogServer then(Plan plan) {
    lock.lock();
    try {
      plans.add(plan);
    } finally {
      lock.unlock();
    }
    return this;
  }

  Warren client() {
    return Warren.builder().baseUrl(baseUrl()).token("t0ken").backoff(Duration.ofMillis(1), Duration.ofMillis(5)).build();
  }

  String baseUrl() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  Command command(Warren warren) {
    return warren.sandboxes().attach("sbx_1").sessions().attach("ses_1").command("cmd_1");
  }

  /** The job body of cmd_1, finished with exit code 0 after {@code bytes} of stdout. */
  static String job(long bytes, boolean withOutput) {
    return """
        {"id":"cmd_1","sessionId":"ses_1","sandboxId":"sbx_1","seq":1,"command":"make","state":"finished",\
        "exitCode":0,"submittedAt":"2026-11-22T10:15:30Z","startedAt":"2026-11-22T10:15:30.001Z",\
        "endedAt":"2026-11-22T10:15:31Z","durationMs":999,"stdin":false,"timeoutSeconds":null,"timedOut":false,\
        "signal":null,"shellRestarted":false,"reason":null,"stdoutBytes":%d,"stderrBytes":0%s}"""
        .formatted(bytes, withOutput ? ",\"stdout\":\"head\",\"stdoutTruncated\":true,\"stderr\":\"\",\"stderrTruncated\":false" : "");
  }

  private void logs(HttpExchange exchange) throws IOException {
    try (exchange) {
      String query = exchange.getRequestURI().getRawQuery();
      long offset = Long.parseLong(query.replaceAll(".*offset=(\\d+).*", "$1"));
      offsets.add(offset);
      lastEventIds.add(exchange.getRequestHeaders().getFirst("Last-Event-ID"));
      Plan plan;
      lock.lock();
      try {
        plan = plans.pollFirst();
      } finally {
        lock.unlock();
      }
      if (plan == null) plan = c -> c.open().output(c.offset, content.length).exit();
      plan.serve(new Connection(exchange, offset));
    } catch (IOException brokenOnPurpose) {
      // a plan that breaks its connection ends here
    }
  }

  private void command(HttpExchange exchange) throws IOException {
    try (exchange) {
      byte[] body = job(content.length, true).getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().add("Content-Type", "application/json");
      exchange.sendResponseHeaders(200, body.length);
      exchange.getResponseBody().write(body);
    }
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
    executor.close();
  }
}
