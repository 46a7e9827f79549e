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
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;

/**
 * A real HTTP server on 127.0.0.1:0 that records every request and answers from a script: queued
 * answers first, in order, then the fallback (404 problem unless set).
 */
final class FakeServer implements AutoCloseable {

  record Recorded(String method, String path, String rawQuery, Map<String, List<String>> headers, byte[] body) {
    String header(String name) {
      return headers.entrySet().stream()
          .filter(e -> e.getKey().equalsIgnoreCase(name))
          .map(e -> e.getValue().getFirst())
          .findFirst().orElse(null);
    }

    String bodyText() {
      return new String(body, StandardCharsets.UTF_8);
    }

    Object json() {
      return Json.parse(body);
    }
  }

  record Answer(int status, Map<String, String> headers, byte[] body) {
    Answer header(String name, String value) {
      var copy = new LinkedHashMap<>(headers);
      copy.put(name, value);
      return new Answer(status, copy, body);
    }
  }

  static Answer json(int status, String body) {
    return new Answer(status, Map.of("Content-Type", "application/json"), body.getBytes(StandardCharsets.UTF_8));
  }

  static Answer empty(int status) {
    return new Answer(status, Map.of(), new byte[0]);
  }

  static Answer problem(int status, String type, String detail) {
    return new Answer(status, Map.of("Content-Type", "application/problem+json"), Json.writeBytes(Map.of(
        "type", "https://warren.dev/problems/" + type, "title", type, "status", status, "detail", detail)));
  }

  static String sandboxJson(String id, String state, long generation) {
    return """
        {"id":"%s","state":"%s","stateReason":null,"image":"base","imageDigest":"sha256:abc",
         "generation":%d,"address":"10.201.0.2","env":{"FOO":"bar"},"labels":{"agent":"a42"},
         "limits":{"memoryMb":512,"pids":256,"cpus":1.0},
         "egress":{"allow":["example.com:443"],"upstreamProxy":"http://u:***@proxy:3128","reach":["sbx_01jd6x0000000000000000000b:3000"]},
         "idleTimeoutSeconds":1800,"createdAt":"2026-11-22T10:15:30.123Z",
         "startedAt":"2026-11-22T10:15:30.456Z","stoppedAt":null,"lastActivityAt":"2026-11-22T10:16:00Z",
         "someFutureField":{"x":[1,2]}}
        """.formatted(id, state, generation);
  }

  private final HttpServer server;
  private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
  private final List<Recorded> requests = new CopyOnWriteArrayList<>();
  private final Deque<Answer> script = new ArrayDeque<>();
  private final ReentrantLock lock = new ReentrantLock();
  private volatile Function<Recorded, Answer> fallback = r -> problem(404, "not-found", "no route " + r.path());

  FakeServer() {
    try {
      server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    server.setExecutor(executor);
    server.createContext("/", this::handle);
    server.start();
  }

  String baseUrl() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  Warren client() {
    return Warren.builder().baseUrl(baseUrl()).token("s3cret-token")
        .backoff(Duration.ofMillis(1), Duration.ofMillis(5))
        .maxAttempts(5)
        .build();
  }

  FakeServer enqueue(Answer... answers) {
    lock.lock();
    try {
      script.addAll(List.of(answers));
    } finally {
      lock.unlock();
    }
    return this;
  }

  FakeServer otherwise(Function<Recorded, Answer> answer) {
    this.fallback = answer;
    return this;
  }

  List<Recorded> requests() {
    return List.copyOf(requests);
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      var uri = exchange.getRequestURI();
      var recorded = new Recorded(exchange.getRequestMethod(), uri.getRawPath(), uri.getRawQuery(),
          Map.copyOf(exchange.getRequestHeaders()), exchange.getRequestBody().readAllBytes());
      requests.add(recorded);
      Answer answer;
      lock.lock();
      try {
        answer = script.pollFirst();
      } finally {
        lock.unlock();
      }
      if (answer == null) answer = fallback.apply(recorded);
      answer.headers().forEach((k, v) -> exchange.getResponseHeaders().add(k, v));
      boolean noBody = answer.body().length == 0;
      exchange.sendResponseHeaders(answer.status(), noBody ? -1 : answer.body().length);
      if (!noBody) exchange.getResponseBody().write(answer.body());
    }
  }

  @Override
  public void close() {
    server.stop(0);
    executor.close();
  }
}
