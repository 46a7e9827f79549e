package dev.warren.ops;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warren.testing.TestWarren;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** SIGTERM: stop accepting, finish calls in flight within the grace period, close WebSockets with 1001, leave sandboxes running. */
class ShutdownTest {

  /** Records how a WebSocket was closed. */
  static final class Closing implements WebSocket.Listener {
    final CompletableFuture<String> closed = new CompletableFuture<>();

    @Override
    public CompletionStage<?> onBinary(WebSocket ws, ByteBuffer data, boolean last) {
      ws.request(1);
      return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket ws, int code, String reason) {
      closed.complete(code + " " + reason);
      return null;
    }

    @Override
    public void onError(WebSocket ws, Throwable error) {
      closed.complete("error " + error);
    }
  }

  @Test
  void sigtermDrainsCallsClosesSocketsAndLeavesSandboxesRunning() throws Exception {
    try (TestWarren w = TestWarren.start(Map.of("WARREN_SHUTDOWN_GRACE", "5s"))) {
      String sbx = w.createSandbox("{}");
      String quickSession = session(w, sbx);
      String slowSession = session(w, sbx);
      String generation = w.get("/v1/sandboxes/" + sbx).json().path("generation").asString();
      HttpClient http = HttpClient.newHttpClient();

      Closing pty = new Closing();
      http.newWebSocketBuilder().header("Authorization", "Bearer " + w.token())
          .buildAsync(URI.create("ws://" + w.base().getAuthority() + "/v1/sandboxes/" + sbx + "/pty"), pty).get(10, TimeUnit.SECONDS);

      CompletableFuture<TestWarren.Resp> slow = CompletableFuture.supplyAsync(() -> w.post(commands(sbx, slowSession),
          "{\"command\":\"sleep 12; echo late\",\"waitSeconds\":120}"));
      String slowId = awaitRunning(w, sbx, slowSession);
      CompletableFuture<HttpResponse<java.util.stream.Stream<String>>> follow = http.sendAsync(HttpRequest.newBuilder(
              w.base().resolve(commands(sbx, slowSession) + "/" + slowId + "/logs?follow=true"))
          .header("Authorization", "Bearer " + w.token()).build(), HttpResponse.BodyHandlers.ofLines());
      CompletableFuture<String> followed = follow.thenApply(r -> r.body().collect(Collectors.joining("\n")));
      CompletableFuture<TestWarren.Resp> quick = CompletableFuture.supplyAsync(() -> w.post(commands(sbx, quickSession),
          "{\"command\":\"sleep 2; echo done\"}"));
      awaitRunning(w, sbx, quickSession);

      long t0 = System.nanoTime();
      CompletableFuture<Void> stopped = CompletableFuture.runAsync(() -> w.stopProcess(false));
      Thread.sleep(1000);
      // no new connections while draining
      assertThat(newCall(w)).isIn("refused", "503");

      TestWarren.Resp q = quick.get(30, TimeUnit.SECONDS);
      assertThat(q.status()).as("%s", q).isEqualTo(200);
      assertThat(q.json().path("state").asString()).isEqualTo("finished");
      assertThat(q.json().path("stdout").asString()).isEqualTo("done\n");
      TestWarren.Resp s = slow.get(30, TimeUnit.SECONDS);
      assertThat(s.status()).as("a clean answer, not a cut connection: %s", s).isEqualTo(202);
      assertThat(s.json().path("state").asString()).isEqualTo("running");
      assertThat(s.json().path("id").asString()).isEqualTo(slowId);
      assertThat(pty.closed.get(10, TimeUnit.SECONDS)).isEqualTo("1001 Warren is shutting down");
      assertThat(followed.get(10, TimeUnit.SECONDS)).contains(": Warren is shutting down; resume from byte 0");
      stopped.get(60, TimeUnit.SECONDS);
      long tookMs = (System.nanoTime() - t0) / 1_000_000;
      assertThat(tookMs).as("stopped within the grace period and a little").isLessThan(5000 + 4000);
      String log = Files.readString(w.dataDir().resolve("logs/warren.log"));
      assertThat(log).contains("msg=\"shutdown: draining the API\" inFlight=").contains("websockets=1").contains("graceMs=5000")
          .contains("msg=\"shutdown: every call in flight finished\"");

      w.relaunch();
      JsonNode after = w.get("/v1/sandboxes/" + sbx).json();
      assertThat(after.path("state").asString()).isEqualTo("running");
      assertThat(after.path("generation").asString()).as("the same processes, adopted").isEqualTo(generation);
      JsonNode done = w.get(commands(sbx, slowSession) + "/" + slowId + "?wait=30").json();
      assertThat(done.path("state").asString()).isEqualTo("finished");
      assertThat(w.get(commands(sbx, slowSession) + "/" + slowId + "/logs").text()).isEqualTo("late\n");
      assertThat(w.exec(sbx, "echo still here").path("stdout").asString()).isEqualTo("still here\n");
    }
  }

  private static String newCall(TestWarren w) {
    try {
      HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(w.base().resolve("/healthz"))
          .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
      return Integer.toString(r.statusCode());
    } catch (java.net.ConnectException e) {
      return "refused";
    } catch (Exception e) {
      return "error " + e;
    }
  }

  private static String session(TestWarren w, String sbx) {
    TestWarren.Resp r = w.post("/v1/sandboxes/" + sbx + "/sessions", "{}");
    assertThat(r.status()).as("%s", r).isEqualTo(201);
    return r.json().path("id").asString();
  }

  private static String commands(String sbx, String session) {
    return "/v1/sandboxes/" + sbx + "/sessions/" + session + "/commands";
  }

  private static String awaitRunning(TestWarren w, String sbx, String session) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (System.nanoTime() < deadline) {
      JsonNode list = w.get(commands(sbx, session)).json().path("commands");
      for (JsonNode c : list) {
        if (c.path("state").asString().equals("running")) {
          return c.path("id").asString();
        }
      }
      Thread.sleep(50);
    }
    throw new AssertionError("no running command in " + session + ": " + w.get(commands(sbx, session)));
  }
}
