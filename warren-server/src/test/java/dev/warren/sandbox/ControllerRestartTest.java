package dev.warren.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warren.testing.HostState;
import dev.warren.testing.TestWarren;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** The controller keeps nothing that matters: kill it, start it, and every sandbox is still there. */
class ControllerRestartTest {

  @Test
  void killNineWithTwentySandboxesRunningLosesNothing() throws Exception {
    try (TestWarren warren = TestWarren.start()) {
      List<String> ids = new ArrayList<>();
      try (ExecutorService pool = Executors.newFixedThreadPool(4)) {
        List<Future<String>> created = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
          int n = i;
          created.add(pool.submit(() -> warren.createSandbox("{\"labels\": {\"n\": \"" + n + "\"}, \"env\": {\"N\": \"" + n + "\"}}")));
        }
        for (Future<String> f : created) {
          ids.add(f.get());
        }
      }
      Map<String, JsonNode> before = new HashMap<>();
      for (String id : ids) {
        warren.exec(id, "echo kept-$N > /workspace/state; nohup sleep 1000 >/dev/null 2>&1 &");
        before.put(id, warren.get("/v1/sandboxes/" + id).json());
      }
      long oldPid = warren.pid();

      warren.kill9AndRestart();

      assertThat(warren.pid()).isNotEqualTo(oldPid);
      JsonNode list = warren.get("/v1/sandboxes").json().path("sandboxes");
      assertThat(list).hasSize(20);
      for (String id : ids) {
        JsonNode s = warren.get("/v1/sandboxes/" + id).json();
        assertThat(s.path("state").asString()).isEqualTo("running");
        assertThat(s.path("generation").asLong()).isEqualTo(before.get(id).path("generation").asLong());
        assertThat(s.path("address").asString()).isEqualTo(before.get(id).path("address").asString());
        JsonNode r = warren.exec(id, "cat /workspace/state; ps -eo args | grep -c '^sleep 1000$'");
        String n = s.path("labels").path("n").asString();
        assertThat(r.path("stdout").asString()).isEqualTo("kept-" + n + "\n1\n");
      }
      // a new sandbox after the restart gets a fresh slot, and networking still works
      String fresh = warren.createSandbox("{}");
      assertThat(ids).doesNotContain(fresh);
      assertThat(warren.get("/v1/sandboxes").json().path("sandboxes")).hasSize(21);
    }
  }

  @Test
  void onPostgresqlTooARestartedControllerFindsEverything() {
    try (var pg = dev.warren.testing.TestDatabases.postgres(); TestWarren warren = TestWarren.start(pg.settings())) {
      String a = warren.createSandbox("{\"labels\": {\"db\": \"pg\"}}");
      String b = warren.createSandbox("{}");
      warren.post("/v1/sandboxes/" + b + "/stop", null);
      warren.exec(a, "echo on-pg > /workspace/f");
      warren.kill9AndRestart();
      assertThat(warren.get("/v1/sandboxes?label=db=pg").json().path("sandboxes")).hasSize(1);
      assertThat(warren.exec(a, "cat /workspace/f").path("stdout").asString()).isEqualTo("on-pg\n");
      assertThat(warren.get("/v1/sandboxes/" + b).json().path("state").asString()).isEqualTo("stopped");
      assertThat(warren.log(200)).doesNotContain(pg.password());
    }
  }

  @Test
  void sandboxKilledFromOutsideWhileTheControllerIsDownIsMarkedFailedAndCanBeStartedAgain() throws Exception {
    try (TestWarren warren = TestWarren.start()) {
      String id = warren.createSandbox("{}");
      warren.exec(id, "echo survives > /workspace/f");
      warren.stopProcess(false);
      for (long pid : HostState.processesOf(id)) {
        ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
      }
      warren.relaunch();
      JsonNode s = warren.get("/v1/sandboxes/" + id).json();
      assertThat(s.path("state").asString()).isEqualTo("failed");
      assertThat(s.path("stateReason").asString()).contains("controller started");
      JsonNode started = warren.post("/v1/sandboxes/" + id + "/start", null).json();
      assertThat(started.path("state").asString()).isEqualTo("running");
      assertThat(started.path("generation").asLong()).isEqualTo(2);
      assertThat(warren.exec(id, "cat /workspace/f").path("stdout").asString()).isEqualTo("survives\n");
    }
  }

  @Test
  void gracefulRestartKeepsSandboxesRunningAndStoppedOnesStopped() {
    try (TestWarren warren = TestWarren.start()) {
      String running = warren.createSandbox("{}");
      String stopped = warren.createSandbox("{}");
      warren.post("/v1/sandboxes/" + stopped + "/stop", null);
      warren.restart();
      assertThat(warren.get("/v1/sandboxes/" + running).json().path("state").asString()).isEqualTo("running");
      assertThat(warren.get("/v1/sandboxes/" + stopped).json().path("state").asString()).isEqualTo("stopped");
      assertThat(HostState.processesOf(stopped)).isEmpty();
      assertThat(warren.exec(running, "echo ok").path("stdout").asString()).isEqualTo("ok\n");
    }
  }

  @Test
  void leftoversUnknownToTheStoreAreRemovedAtStartUp() throws Exception {
    try (TestWarren warren = TestWarren.start()) {
      String id = warren.createSandbox("{}");
      warren.stopProcess(true);
      // forget the sandbox behind the controller's back, as if the store had been restored from a backup
      try (var store = dev.warren.store.Store.open(warren.config())) {
        store.write(h -> h.createUpdate("DELETE FROM sandboxes").execute());
      }
      assertThat(HostState.leftoversOf(id)).isNotEmpty();
      warren.relaunch();
      assertThat(HostState.leftoversOf(id)).isEmpty();
      assertThat(warren.get("/v1/sandboxes").json().path("sandboxes")).isEmpty();
    }
  }
}
