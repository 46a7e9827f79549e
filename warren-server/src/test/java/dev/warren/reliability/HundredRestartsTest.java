package dev.warren.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warren.testing.HostState;
import dev.warren.testing.TestWarren;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * The controller is restarted 100 times in a row, alternating a graceful stop (SIGTERM) and
 * kill -9, while sandboxes, sessions with running commands and a browser exist. Every start
 * succeeds; after every start the API shows exactly the same resources (same ids, states,
 * generations, addresses; nothing lost, nothing doubled) and the host exactly one init per
 * sandbox, one shell per session, one Chromium, one root mount and one network namespace per
 * sandbox. At the end the commands that ran throughout finish with their whole output.
 * {@code -Dwarren.restarts=N} changes the count.
 */
class HundredRestartsTest {
  static final int RESTARTS = Integer.getInteger("warren.restarts", 100);

  @Test
  void hundredRestartsMixingSigtermAndKillNineLoseAndDuplicateNothing() throws Exception {
    TestWarren.ensureImage("browser");
    try (TestWarren warren = TestWarren.start()) {
      List<String> sandboxes = List.of(warren.createSandbox("{\"labels\": {\"n\": \"1\"}}"), warren.createSandbox("{\"labels\": {\"n\": \"2\"}}"));
      List<String> commands = new ArrayList<>();
      Map<String, String> sessionOf = new TreeMap<>();
      for (String id : sandboxes) {
        warren.exec(id, "echo kept-" + id + " > /workspace/kept");
        String sid = warren.post("/v1/sandboxes/" + id + "/sessions", "{}").json().path("id").asString();
        sessionOf.put(id, sid);
        // counts until told to stop: its output must come out whole, one line per half second, across every restart
        JsonNode c = warren.post("/v1/sandboxes/" + id + "/sessions/" + sid + "/commands", TestWarren.json(Map.of("async", true,
            "command", "i=0; while [ ! -e /workspace/stop ]; do i=$((i+1)); echo line-$i; sleep 0.5; done; echo done-$i"))).json();
        commands.add("/v1/sandboxes/" + id + "/sessions/" + sid + "/commands/" + c.path("id").asString());
      }
      JsonNode browser = warren.post("/v1/browsers", "{\"key\": \"restarts\"}").json();
      String brw = browser.path("id").asString();
      String brwSandbox = browser.path("sandboxId").asString();
      warren.post("/v1/browsers/" + brw + "/actions/navigate", "{\"url\": \"data:text/html,<title>kept</title>\"}");
      warren.post("/v1/browsers/" + brw + "/actions/evaluate", "{\"expression\": \"window.__mark = 42\"}");

      String before = snapshot(warren);
      Map<String, Integer> hostBefore = host(warren, sandboxes, brwSandbox, sessionOf);
      assertThat(hostBefore.values()).allMatch(n -> n == 1);
      System.out.println("resources: " + before);

      // the SQLite driver unpacks its native library into /tmp by default, a new copy per start, never removed after a kill
      long tmpLibraries = sqliteCopiesInTmp();
      List<Long> startMillis = new ArrayList<>();
      int kills = 0;
      long t0 = System.nanoTime();
      for (int i = 1; i <= RESTARTS; i++) {
        boolean kill = i % 2 == 0;
        long oldPid = warren.pid();
        warren.stopProcess(kill);
        kills += kill ? 1 : 0;
        long s0 = System.nanoTime();
        warren.relaunch();
        startMillis.add((System.nanoTime() - s0) / 1_000_000);
        assertThat(warren.pid()).isNotEqualTo(oldPid);
        assertThat(snapshot(warren)).as("after restart %d (%s)", i, kill ? "kill -9" : "SIGTERM").isEqualTo(before);
        assertThat(host(warren, sandboxes, brwSandbox, sessionOf)).as("host after restart %d", i).isEqualTo(hostBefore);
        if (i % 10 == 0) {
          assertThat(warren.exec(sandboxes.get(i / 10 % 2), "cat /workspace/kept").path("stdout").asString()).startsWith("kept-");
          JsonNode mark = warren.post("/v1/browsers/" + brw + "/actions/evaluate", "{\"expression\": \"window.__mark + ':' + document.title\"}").json();
          assertThat(mark.path("value").asString()).as("the same page in the same Chromium after %d restarts", i).isEqualTo("42:kept");
        }
      }
      double total = (System.nanoTime() - t0) / 1e9;
      assertThat(sqliteCopiesInTmp()).as("copies of SQLite's native library in %s after %d restarts", System.getProperty("java.io.tmpdir"), RESTARTS)
          .isEqualTo(tmpLibraries);
      List<Long> sorted = startMillis.stream().sorted().toList();
      System.out.printf("%d restarts (%d SIGTERM, %d kill -9) in %.1f s; start (launch to listening) p50 %d ms, p90 %d ms, max %d ms, sum %.1f s%n",
          RESTARTS, RESTARTS - kills, kills, total, sorted.get(sorted.size() / 2), sorted.get((int) (sorted.size() * 0.9)),
          sorted.getLast(), startMillis.stream().mapToLong(Long::longValue).sum() / 1e3);

      // the commands that ran throughout end with every line, in order, once
      for (String id : sandboxes) {
        warren.exec(id, "touch /workspace/stop");
      }
      for (String c : commands) {
        JsonNode done = warren.get(c + "?wait=30").json();
        assertThat(done.path("state").asString()).as(done.toString()).isEqualTo("finished");
        assertThat(done.path("exitCode").asInt()).isZero();
        String out = warren.get(c + "/logs?stream=stdout").text();
        List<String> lines = out.lines().toList();
        int n = Integer.parseInt(lines.getLast().substring("done-".length()));
        assertThat(lines).hasSize(n + 1);
        for (int k = 1; k <= n; k++) {
          assertThat(lines.get(k - 1)).isEqualTo("line-" + k);
        }
        System.out.printf("%s: %d lines, whole%n", c.substring(c.lastIndexOf('/') + 1), n);
        assertThat(n).isGreaterThan(RESTARTS / 2);
      }
      String log = Files.readString(warren.logFile());
      assertThat(log).doesNotContain("unexpected error").doesNotContain(" ERROR ");
      warren.delete("/v1/browsers/" + brw);
    }
  }

  static long sqliteCopiesInTmp() throws java.io.IOException {
    try (var files = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
      return files.filter(p -> p.getFileName().toString().startsWith("sqlite-") && p.getFileName().toString().endsWith("libsqlitejdbc.so")).count();
    }
  }

  /** Everything the API shows, in a stable order, minus what moves on its own (activity times, tokens). */
  static String snapshot(TestWarren w) {
    StringBuilder sb = new StringBuilder();
    JsonNode list = w.get("/v1/sandboxes").json().path("sandboxes");
    Map<String, String> rows = new TreeMap<>();
    for (JsonNode s : list) {
      String id = s.path("id").asString();
      StringBuilder r = new StringBuilder(s.path("state").asString() + " g" + s.path("generation").asLong() + " " + s.path("address").asString()
          + " " + s.path("labels") + " started " + s.path("startedAt").asString());
      for (JsonNode ses : w.get("/v1/sandboxes/" + id + "/sessions").json().path("sessions")) {
        String sid = ses.path("id").asString();
        r.append("\n  ").append(sid).append(' ').append(ses.path("state").asString()).append(" pid ").append(ses.path("pid").asLong());
        for (JsonNode c : w.get("/v1/sandboxes/" + id + "/sessions/" + sid + "/commands").json().path("commands")) {
          r.append("\n    ").append(c.path("id").asString()).append(' ').append(c.path("state").asString()).append(" seq ").append(c.path("seq").asLong());
        }
      }
      rows.put(id, r.toString());
    }
    rows.forEach((k, v) -> sb.append(k).append(' ').append(v).append('\n'));
    for (JsonNode b : w.get("/v1/browsers").json().path("browsers")) {
      sb.append(b.path("id").asString()).append(' ').append(b.path("state").asString()).append(' ').append(b.path("sandboxId").asString())
          .append(" g").append(b.path("generation").asLong()).append('\n');
    }
    return sb.toString();
  }

  /** What the host holds for each resource; every count must stay exactly 1. */
  static Map<String, Integer> host(TestWarren w, List<String> sandboxes, String brwSandbox, Map<String, String> sessionOf) {
    Map<String, Integer> out = new TreeMap<>();
    List<String> all = new ArrayList<>(sandboxes);
    all.add(brwSandbox);
    for (String id : all) {
      List<Long> procs = HostState.processesOf(id);
      out.put(id + " init", (int) procs.stream().filter(p -> HostProcesses.nsPid(p).orElse(0L) == 1).count());
      out.put(id + " rootfs mounts", HostState.mountsContaining(id + "/rootfs").size());
      out.put(id + " netns", HostState.netnsContaining(id).size());
    }
    sessionOf.forEach((id, sid) -> {
      List<Long> shells = HostProcesses.marked("WARREN_SESSION_ID", sid).stream()
          .filter(p -> HostProcesses.cmdline(p).contains("/.warren/session.sh")).toList();
      // a shell forking to run a command shows its own command line until the child execs: count the shells that no shell started
      out.put(sid + " shells", (int) shells.stream().filter(p -> !shells.contains(HostProcesses.parent(p))).count());
    });
    out.put("chromium main processes", (int) HostState.processesOf(brwSandbox).stream()
        .map(HostProcesses::cmdline).filter(c -> c.startsWith("/usr/lib/chromium/chromium ") && !c.contains("--type=")).count());
    return out;
  }
}
