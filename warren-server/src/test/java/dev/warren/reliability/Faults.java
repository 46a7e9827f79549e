package dev.warren.reliability;

import dev.warren.host.Instance;
import dev.warren.testing.HostState;
import dev.warren.testing.InstanceRemnants;
import dev.warren.testing.TestWarren;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import tools.jackson.databind.JsonNode;

/**
 * The faults Warren claims to survive without a restart, each under load ({@link FaultRun}) on a
 * controller of its own: the data directory's disk full, the PostgreSQL server restarted, crun
 * and a sandbox's init killed from outside, Chromium killed by the host (as its OOM killer would).
 * Each is answered 503 naming it while it lasts and recovers once it ends. Run by the reliability
 * tests (DiskFullTest, DatabaseOutageTest, ExternalKillTest) and by {@code ./warren bench chaos
 * --faults}.
 */
public final class Faults {
  static final Duration HOLD = Duration.ofSeconds(5);
  private static final int CLIENTS = 3;

  private Faults() {}

  /** All four, one after the other. */
  public static List<FaultResult> all(Consumer<String> out) throws Exception {
    List<FaultResult> r = new ArrayList<>();
    r.add(diskFull(out));
    r.add(postgresRestart(out));
    r.add(crunKilled(out));
    r.add(chromiumKilled(out));
    return r;
  }

  /** The data directory's filesystem (a small ext4 of its own) filled to below the free-space reserve, then freed. */
  public static FaultResult diskFull(Consumer<String> out) throws Exception {
    out.accept("disk full: the data directory's filesystem filled for " + HOLD.toSeconds() + " s under load");
    try (LoopDisk disk = LoopDisk.create(256)) {
      return underLoad("the data directory's disk full", TestWarren.startIn(disk.mountPoint(), disk.beside("server.log"),
          Map.of("WARREN_MIN_FREE_SPACE", "24m", "WARREN_IDLE_TIMEOUT", "0", "WARREN_DEFAULT_DISK_MB", "24")), disk, w -> new FaultRun.Fault() {
            @Override
            public void begin() {
              disk.fillLeaving("filler", 8 << 20);
            }

            @Override
            public void end() {
              disk.delete("filler");
            }
          }, f -> f.status() == 503 && f.message().contains("no space left on device"), Faults::writeFileAndRunCommand, new ArrayList<>(),
          new ArrayList<>(), null);
    }
  }

  /** The store's PostgreSQL server stopped (connections cut) and started again. */
  public static FaultResult postgresRestart(Consumer<String> out) throws Exception {
    out.accept("PostgreSQL restarted: down for " + HOLD.toSeconds() + " s under load");
    try (PrivatePostgres pg = PrivatePostgres.start()) {
      Map<String, String> env = new HashMap<>(pg.settings());
      env.put("WARREN_DB_TIMEOUT", "3s");
      env.put("WARREN_IDLE_TIMEOUT", "0");
      return underLoad("PostgreSQL restarted", TestWarren.start(env), null, w -> new FaultRun.Fault() {
        @Override
        public void begin() {
          pg.down();
        }

        @Override
        public void end() {
          pg.up();
        }
      }, f -> f.status() == 503 && f.message().contains("database"), Faults::writeFileAndRunCommand, new ArrayList<>(), new ArrayList<>(),
          null);
    }
  }

  /**
   * crun killed from outside: every crun create, start and delete of the instance SIGKILLed as it
   * appears, and one sandbox's init killed, for a while. Calls that needed crun answer 503 naming
   * it; the sandbox whose init died is marked failed saying so, and starts again.
   */
  public static FaultResult crunKilled(Consumer<String> out) throws Exception {
    out.accept("crun killed from outside: every crun create/start/delete SIGKILLed for " + HOLD.toSeconds()
        + " s under load, and a sandbox's init");
    List<String> problems = new ArrayList<>();
    AtomicBoolean on = new AtomicBoolean();
    AtomicInteger killed = new AtomicInteger();
    String[] victim = new String[1];
    TestWarren w = TestWarren.start(Map.of("WARREN_IDLE_TIMEOUT", "0"));
    String crunRoot = "/run/warren/" + w.instanceName() + "/crun";
    Thread killer = Thread.ofVirtual().unstarted(() -> {
      while (on.get()) {
        for (long pid : HostProcesses.lifecycleCalls(crunRoot)) {
          if (dev.warren.host.Syscalls.kill(pid, 9)) {
            killed.incrementAndGet();
          }
        }
        Chaos.sleep(5);
      }
    });
    FaultResult r = underLoad("crun killed from outside", w, null, tw -> new FaultRun.Fault() {
      @Override
      public void begin() {
        victim[0] = tw.createSandbox("{\"labels\": {\"chaos\": \"victim\"}}");
        // found before the killer starts: an init that has not exec'd yet still shows crun create's
        // command line, and the killer may end it first (which is the same fault)
        long init = HostProcesses.initOf(victim[0]);
        on.set(true);
        killer.start();
        dev.warren.host.Syscalls.kill(init, 9);
      }

      @Override
      public void end() throws InterruptedException {
        on.set(false);
        killer.join();
      }
    }, f -> f.status() == 503 && f.message().contains("crun"), Faults::createAndDelete, problems, new ArrayList<>(), tw -> {
      JsonNode s = ExternalKillTest.await(Duration.ofSeconds(15), () -> tw.get("/v1/sandboxes/" + victim[0]).json(),
          n -> n.path("state").asString().equals("failed"));
      if (!s.path("stateReason").asString().contains("killed from outside")) {
        problems.add("the sandbox whose init was killed: " + s.path("state").asString() + " " + s.path("stateReason").asString());
      }
      JsonNode again = tw.post("/v1/sandboxes/" + victim[0] + "/start", null).json();
      if (!again.path("state").asString().equals("running")) {
        problems.add("the sandbox whose init was killed does not start again: " + again);
      }
    });
    r.notes().add(killed.get() + " crun calls killed");
    return r;
  }

  /**
   * Chromium's main process SIGKILLed from the host, as the OOM killer would: Warren notices and
   * starts it again in place by itself; while it does, the session says why and actions answer 503
   * naming Chromium; then it works again, nobody having asked for a restart.
   */
  public static FaultResult chromiumKilled(Consumer<String> out) throws Exception {
    TestWarren.ensureImage("browser");
    out.accept("Chromium killed by the host (OOM killer): a browser's main Chromium process SIGKILLed under load");
    List<String> problems = new ArrayList<>();
    List<String> notes = new ArrayList<>();
    String[] browser = new String[2];
    long[] killedAt = new long[1];
    TestWarren w = TestWarren.start(Map.of("WARREN_IDLE_TIMEOUT", "0", "WARREN_IDLE_CHECK_INTERVAL", "1s"));
    JsonNode b = w.post("/v1/browsers", "{}").json();
    browser[0] = b.path("id").asString();
    browser[1] = b.path("sandboxId").asString();
    navigate(w, browser[0], "before");
    return underLoad("Chromium killed by the host", w, null, tw -> new FaultRun.Fault() {
      @Override
      public void begin() {
        killedAt[0] = System.nanoTime();
        TestWarren.run("kill", "-9", Long.toString(chromiumMain(browser[1])));
      }

      @Override
      public void end() {
        // Warren notices the death and starts Chromium again in place, by itself: the session says so while it does,
        // and an action meanwhile is a 503 naming it; once ready, it works again without anybody's restart
        JsonNode s = tw.get("/v1/browsers/" + browser[0]).json();
        TestWarren.Resp action = tw.post("/v1/browsers/" + browser[0] + "/actions/navigate", "{\"url\": \"data:text/html,during\"}");
        notes.add("after the kill: session " + s.path("state").asString() + " (" + s.path("stateReason").asString("") + "); an action: "
            + action.status() + " " + action.json().path("detail").asString(""));
        String state = s.path("state").asString();
        boolean saysWhy = state.equals("ready") ? action.status() == 200
            : state.equals("starting") && s.path("stateReason").asString("").contains("Chromium")
                && (action.status() == 200 || action.status() == 503 && action.text().contains("Chromium"));
        if (!saysWhy) {
          problems.add("Chromium killed: the session says " + s + ", an action " + action);
        }
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
        while (!tw.get("/v1/browsers/" + browser[0]).json().path("state").asString().equals("ready")) {
          if (System.nanoTime() > deadline) {
            problems.add("Chromium killed: the session was not ready again by itself within 30 s: " + tw.get("/v1/browsers/" + browser[0]));
            return;
          }
          try {
            Thread.sleep(100);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
          }
        }
        notes.add("ready again by itself " + (System.nanoTime() - killedAt[0]) / 1_000_000 + " ms after the kill");
      }
    }, f -> false, t -> navigate(t.w(), browser[0], "after"), problems, notes, null);
  }

  /**
   * Runs the fault under load on {@code w}, then {@code after} (the fault's own checks, which add to
   * {@code problems}), closes {@code w} (and {@code alsoClose}, what holds its data directory) and
   * records what its teardown left.
   */
  private static FaultResult underLoad(String name, TestWarren w, AutoCloseable alsoClose,
      java.util.function.Function<TestWarren, FaultRun.Fault> fault, java.util.function.Predicate<ChaosLedger.Failure> namesIt,
      FaultRun.Probe probe, List<String> problems, List<String> notes, Check after) throws Exception {
    Instance instance = w.instance();
    long pid = w.pid();
    FaultResult r;
    try {
      r = FaultRun.run(name, w, CLIENTS, fault.apply(w), HOLD, namesIt, probe, problems, notes);
      if (after != null) {
        after.run(w);
      }
      if (w.pid() != pid) {
        r.problems().add("the controller restarted");
      }
    } finally {
      try {
        w.close();
      } finally {
        if (alsoClose != null) {
          alsoClose.close();
        }
      }
    }
    r.leftovers().addAll(InstanceRemnants.of(instance, w.dataDir(), w.dataDir()));
    return r;
  }

  /** A fault's own checks once it is over. */
  interface Check {
    void run(TestWarren w) throws Exception;
  }

  /** Needs the disk and the store: a file written in the probe's sandbox, a command run in its session. */
  private static void writeFileAndRunCommand(FaultRun.Target t) {
    TestWarren.Resp put = t.w().put("/v1/sandboxes/" + t.sandbox() + "/files?path=/workspace/probe", "probe\n".getBytes());
    if (put.status() != 204) {
      throw new IllegalStateException("file write: " + put);
    }
    TestWarren.Resp cmd = t.w().post("/v1/sandboxes/" + t.sandbox() + "/sessions/" + t.session() + "/commands", "{\"command\": \"true\"}");
    if (cmd.status() != 200) {
      throw new IllegalStateException("session command: " + cmd);
    }
  }

  /** Needs crun: a sandbox made and deleted. */
  private static void createAndDelete(FaultRun.Target t) {
    TestWarren w = t.w();
    TestWarren.Resp r = w.post("/v1/sandboxes", "{\"labels\": {\"probe\": \"1\"}}");
    if (r.status() != 201) {
      throw new IllegalStateException(r.toString());
    }
    String id = r.json().path("id").asString();
    TestWarren.Resp d = w.delete("/v1/sandboxes/" + id);
    if (d.status() != 204) {
      throw new IllegalStateException(d.toString());
    }
  }

  private static void navigate(TestWarren w, String browser, String title) {
    TestWarren.Resp r = w.post("/v1/browsers/" + browser + "/actions/navigate", "{\"url\": \"data:text/html,<title>" + title + "</title>\"}");
    if (r.status() != 200 || !r.text().contains(title)) {
      throw new IllegalStateException("navigate: " + r);
    }
  }

  /** The host pid of the main Chromium process in a browser's sandbox. */
  static long chromiumMain(String sandboxId) {
    for (long pid : HostState.processesOf(sandboxId)) {
      String cmd = HostProcesses.cmdline(pid);
      if (cmd.startsWith("/usr/lib/chromium/chromium ") && !cmd.contains("--type=")) {
        return pid;
      }
    }
    throw new IllegalStateException("no Chromium main process in " + sandboxId);
  }
}
