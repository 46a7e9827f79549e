package dev.warren.snapshot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warren.testing.HostState;
import dev.warren.testing.TestWarren;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * The controller killed with SIGKILL in the middle of a snapshot (its layer half copied) and of a
 * fork (some of its sandboxes made): after the restart a snapshot is complete or absent, no copy or
 * unused layer is left, the source runs thawed, and each sandbox of the fork runs or is gone
 * without a trace. Also measures a snapshot of a 100 MB workspace in 5,000 files.
 */
class SnapshotKillTest {
  /** 5,000 files of 20 KiB (100 MB) in 50 directories. */
  static final String WORKSPACE = "python3 -c \"import os\nfor d in range(50):\n  os.makedirs(f'/workspace/w/{d}', exist_ok=True)\n"
      + "  for f in range(100):\n    open(f'/workspace/w/{d}/{f}', 'wb').write(os.urandom(20480))\"";

  static TestWarren warren;

  @BeforeAll
  static void start() {
    Map<String, String> env = new HashMap<>();
    env.put("WARREN_LISTEN", TestWarren.freeListenAddress());
    warren = TestWarren.start(env);
  }

  @AfterAll
  static void stop() {
    if (warren != null) {
      warren.close();
    }
  }

  @Test
  void controllerKilledMidSnapshotLeavesACompleteSnapshotOrNoneAndTheSourceThawed() throws Exception {
    String id = warren.createSandbox("{}");
    assertThat(warren.exec(id, WORKSPACE).path("exitCode").asInt()).isZero();

    // the figures: a snapshot of the workspace, and creates from it beside creates from the image
    long t0 = System.nanoTime();
    JsonNode measured = warren.post("/v1/sandboxes/" + id + "/snapshots", "{\"name\": \"workspace\"}").json();
    double snapMs = (System.nanoTime() - t0) / 1e6;
    assertThat(measured.path("sizeBytes").asLong()).isGreaterThanOrEqualTo(5000L * 20480);
    List<Double> fromSnap = new ArrayList<>();
    List<Double> fromImage = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      long a = System.nanoTime();
      String s = warren.createSandbox("{\"snapshot\": \"workspace\"}");
      fromSnap.add((System.nanoTime() - a) / 1e6);
      assertThat(SnapshotTest.stdout(warren, s, "find /workspace/w -type f | wc -l")).isEqualTo("5000\n");
      warren.delete("/v1/sandboxes/" + s);
      long b = System.nanoTime();
      String p = warren.createSandbox("{}");
      fromImage.add((System.nanoTime() - b) / 1e6);
      warren.delete("/v1/sandboxes/" + p);
    }
    System.out.printf("snapshot of 100 MB in 5000 files: %.0f ms, %d bytes (event: %s); create from it %s ms, from the image %s ms%n",
        snapMs, measured.path("sizeBytes").asLong(), lastSnapshotEvent(), fromSnap, fromImage);

    // more to copy, so that the kill lands in the copy
    warren.exec(id, "dd if=/dev/urandom of=/workspace/big bs=1M count=400 status=none");
    Path layers = warren.dataDir().resolve("layers");
    CompletableFuture<TestWarren.Resp> call = answerMayBeLost("/v1/sandboxes/" + id + "/snapshots", "{\"name\": \"interrupted\"}");
    Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(5))
        .until(() -> SnapshotTest.entries(layers).stream().anyMatch(e -> e.startsWith(".tmp-")));
    warren.kill9AndRestart();
    assertThat(call.get()).as("the snapshot's answer, lost with the controller").isNull();

    List<String> names = new ArrayList<>();
    warren.get("/v1/snapshots").json().path("snapshots").forEach(s -> names.add(s.path("name").asString()));
    assertThat(names).contains("workspace");
    List<String> left = SnapshotTest.entries(layers);
    assertThat(left).noneMatch(e -> e.startsWith(".tmp-"));
    // each snapshot's layer, and the host mount of those sandboxes started from
    assertThat(left.stream().filter(e -> !e.endsWith(".mnt")).toList()).hasSize(names.size());
    Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> warren.get("/v1/sandboxes/" + id).json().path("state").asString(),
        "running"::equals);
    assertThat(HostState.frozen(id)).as("thawed after the restart").isFalse();
    assertThat(SnapshotTest.stdout(warren, id, "find /workspace/w -type f | wc -l")).isEqualTo("5000\n");
    // the kill landed while the disk was frozen for the copy (the copy is made then): the restart thawed it
    assertThat(SnapshotTest.stdout(warren, id, "echo after > /workspace/after && sync && cat /workspace/after")).isEqualTo("after\n");
    if (names.contains("interrupted")) {
      String s = warren.createSandbox("{\"snapshot\": \"interrupted\"}");
      assertThat(SnapshotTest.stdout(warren, s, "find /workspace/w -type f | wc -l; stat -c %s /workspace/big")).isEqualTo("5000\n419430400\n");
      warren.delete("/v1/sandboxes/" + s);
      warren.delete("/v1/snapshots/interrupted");
    }
    System.out.println("snapshot killed mid-copy: after the restart " + (names.contains("interrupted") ? "complete" : "absent"));
    warren.delete("/v1/sandboxes/" + id);
    assertThat(warren.delete("/v1/snapshots/workspace").status()).isEqualTo(204);
    assertThat(SnapshotTest.entries(layers)).isEmpty();
    assertThat(SnapshotTest.mountsUnder(layers)).isEmpty();
  }

  @Test
  void controllerKilledMidForkLeavesEachSandboxRunningOrGone() throws Exception {
    String id = warren.createSandbox("{}");
    warren.exec(id, "echo forked > /workspace/state");
    CompletableFuture<TestWarren.Resp> call = answerMayBeLost("/v1/sandboxes/" + id + "/fork", "{\"count\": 8, \"labels\": {\"fork\": \"killed\"}}");
    List<String> seen = new ArrayList<>();
    // killed once some of its sandboxes run and others are still being made
    Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(20)).until(() -> {
      boolean running = false;
      for (JsonNode s : warren.get("/v1/sandboxes?label=fork=killed").json().path("sandboxes")) {
        if (!seen.contains(s.path("id").asString())) {
          seen.add(s.path("id").asString());
        }
        running |= s.path("state").asString().equals("running");
      }
      return running;
    });
    warren.kill9AndRestart();
    assertThat(call.get()).as("the fork's answer, lost with the controller").isNull();

    Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> {
      List<String> states = new ArrayList<>();
      warren.get("/v1/sandboxes?label=fork=killed").json().path("sandboxes").forEach(s -> states.add(s.path("state").asString()));
      return states.stream().allMatch("running"::equals);
    });
    List<String> after = new ArrayList<>();
    warren.get("/v1/sandboxes?label=fork=killed").json().path("sandboxes").forEach(s -> after.add(s.path("id").asString()));
    for (String s : after) {
      assertThat(SnapshotTest.stdout(warren, s, "cat /workspace/state")).isEqualTo("forked\n");
    }
    for (String s : seen) {
      if (!after.contains(s)) {
        assertThat(HostState.leftoversOf(warren, s)).as("what is left of %s", s).isEmpty();
      }
    }
    System.out.println("fork of 8 killed: " + seen.size() + " sandboxes seen before the kill, " + after.size() + " running after");
    assertThat(HostState.frozen(id)).isFalse();
    for (String s : after) {
      warren.delete("/v1/sandboxes/" + s);
    }
    warren.delete("/v1/sandboxes/" + id);
    assertThat(warren.get("/v1/snapshots").json().path("snapshots")).isEmpty();
    assertThat(SnapshotTest.entries(warren.dataDir().resolve("layers"))).isEmpty();
  }

  /** A POST in the background whose answer may be lost with the controller (then null). */
  private static CompletableFuture<TestWarren.Resp> answerMayBeLost(String path, String json) {
    return CompletableFuture.supplyAsync(() -> {
      try {
        return warren.post(path, json);
      } catch (RuntimeException e) {
        return null;
      }
    }, r -> Thread.ofVirtual().start(r));
  }

  private static String lastSnapshotEvent() {
    JsonNode events = warren.get("/v1/events?limit=20").json().path("events");
    for (JsonNode e : events) {
      if (e.path("kind").asString().equals("snapshot.created")) {
        return e.path("detail").asString();
      }
    }
    return "none";
  }
}
