package dev.warren.bench;

import dev.warren.host.Tool;
import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Shell sessions through the HTTP API (the JDK HttpClient, HTTP/1.1, one persistent connection per
 * client thread; not the SDK): the round trip of {@code true} in a warm session, beside a fresh
 * {@code crun exec}, the one-shot exec, a bare FIFO round trip into bash and {@code GET /healthz},
 * all interleaved ({@link RoundTrips}); commands per second with 1 and 20 sessions; and 200 MB of
 * stdout produced and read back raw and as SSE. Works in one sandbox of its own, deleted (with its
 * sessions) before the section returns, also on failure.
 */
final class SessionSection {
  static final int SESSION_ROUND_TRIPS = 2000;
  static final int CRUN_EXECS = 200;
  static final int API_EXECS = 500;
  static final int FIFO_ROUND_TRIPS = 2000;
  static final int HEALTHZ_ROUND_TRIPS = 2000;
  static final int CLIENTS = 20;
  private static final Duration CRUN_T = Duration.ofSeconds(30);

  private SessionSection() {}

  /**
   * What the section measured; a part that did not get to run is empty.
   *
   * @param session the round trip of {@code true} in a warm session (the targets are on its p50)
   * @param crunExec {@code nsenter … crun exec <sandbox> true} on the same sandbox
   * @param jit how long the round trips ran (warm-ups included) and how much of it the JIT
   *     compilers of this JVM (the controller's and the benchmark's) were busy
   */
  record Result(Optional<RoundTrips.Measured> session, Optional<RoundTrips.Measured> crunExec, Optional<RoundTrips.Measured> apiExec,
      Optional<RoundTrips.Measured> fifo, Optional<RoundTrips.Measured> healthz, Optional<Jit> jit, Optional<SessionThroughput.Result> one,
      Optional<SessionThroughput.Result> many, Optional<Stats> sessionCreates, Optional<SessionStreaming.Result> streaming,
      List<String> failures) {
    Result {
      failures = List.copyOf(failures);
    }
  }

  /** Wall time of the round trips and the JIT compilers' time meanwhile, in milliseconds. */
  record Jit(long wallMillis, long compileMillis) {}

  static Result run(BenchWarren w, Options o, Cleanup cleanup) {
    Report.title("Shell sessions through the HTTP API (JDK HttpClient, HTTP/1.1, one connection per client thread)");
    Report.note("load average at the start of the section: " + Machine.loadAverage());
    Cleanup.Budget budget = cleanup.budget("the sessions section", o.sectionBudget());
    List<String> failures = new ArrayList<>();
    Parts parts = new Parts();
    ApiClient api = ApiClient.open(w);
    cleanup.push("the sessions section's HTTP client", api);
    SessionSandbox sandbox = null;
    try {
      long t0 = System.nanoTime();
      sandbox = SessionSandbox.create(w, api, cleanup);
      cleanup.push("the sessions section's sandbox", sandbox);
      Report.note(String.format("sandbox %s created in %.0f ms (default limits: 512 MiB, 512 pids, 1 cpu; networked)", sandbox.id(),
          (System.nanoTime() - t0) / 1e6));
      measure(w, o, sandbox, api, cleanup, budget, parts, failures);
    } catch (Cleanup.Aborted e) {
      throw e;
    } catch (RuntimeException e) {
      failures.add("sessions section: " + e);
    } finally {
      if (sandbox != null) {
        parts.sessionCreates = sandbox.sessionCreates();
      }
      // once interrupted, the shutdown hook deletes the sandbox with this client: leave both to it
      if (!cleanup.aborted()) {
        if (sandbox != null) {
          try {
            sandbox.close();
          } catch (RuntimeException e) {
            failures.add("deleting the sessions section's sandbox: " + e.getMessage());
          }
        }
        api.close();
      }
    }
    if (cleanup.aborted()) {
      throw new Cleanup.Aborted();
    }
    Result r = parts.result(failures);
    SessionReport.print(r);
    Report.note("load average at the end of the section: " + Machine.loadAverage());
    return r;
  }

  private static void measure(BenchWarren w, Options o, SessionSandbox sandbox, ApiClient api, Cleanup cleanup, Cleanup.Budget budget,
      Parts parts, List<String> failures) {
    String main = sandbox.openSession();
    String fifoSession = sandbox.openSession();
    FifoLoop fifo = FifoLoop.start(sandbox, api, fifoSession);
    List<RoundTrips.Measured> m;
    long jit = jitMillis();
    long t0 = System.nanoTime();
    try {
      Report.note("round trips of `true`, interleaved in " + RoundTrips.ROUNDS + " rounds after their warm-ups (" + o.sessionWarmup()
          + " session commands) (running)…");
      m = RoundTrips.run(plans(w, o.sessionWarmup(), sandbox, api, main, fifo), cleanup, budget);
    } catch (RuntimeException e) {
      // interrupted or failed: just close the FIFOs; deleting the session ends the loop
      fifo.abandon();
      throw e;
    }
    parts.jit = new Jit((System.nanoTime() - t0) / 1_000_000, jitMillis() - jit);
    fifo.close();
    parts.session = m.get(0);
    parts.crunExec = m.get(1);
    parts.apiExec = m.get(2);
    parts.fifo = m.get(3);
    parts.healthz = m.get(4);
    for (RoundTrips.Measured r : m) {
      if (!r.complete()) {
        failures.add(r.stats().name() + ": " + r.failures() + " failure(s)" + r.cutShort().map(c -> ", " + c).orElse("")
            + (r.errors().isEmpty() ? "" : "; first: " + r.errors().getFirst()));
      }
    }
    sandbox.deleteSession(fifoSession);

    Report.note("commands per second, " + SessionThroughput.WINDOW.toSeconds() + " s each (running)…");
    parts.one = SessionThroughput.run(w, sandbox, List.of(main), cleanup, budget);
    List<String> many = new ArrayList<>();
    for (int i = 0; i < CLIENTS; i++) {
      many.add(sandbox.openSession());
    }
    parts.many = SessionThroughput.run(w, sandbox, many, cleanup, budget);
    for (SessionThroughput.Result r : List.of(parts.one, parts.many)) {
      if (r.failures() > 0) {
        failures.add(r.clients() + " client(s): " + r.failures() + " failed command(s); first: " + r.errors().getFirst());
      }
    }
    for (String sid : many) {
      sandbox.deleteSession(sid);
    }

    budget.check();
    Report.note("200 MB of stdout (running)…");
    try (Cleanup.Op op = cleanup.begin()) {
      parts.streaming = SessionStreaming.run(sandbox, api, main);
    }
  }

  /** The round trips, in the order of {@link Result}: session, crun exec, one-shot exec, FIFO, /healthz. */
  private static List<RoundTrips.Plan> plans(BenchWarren w, int sessionWarmup, SessionSandbox sandbox, ApiClient api, String session,
      FifoLoop fifo) {
    String commands = sandbox.path("/sessions/" + session + "/commands");
    String trueCommand = ApiClient.field("command", "true");
    String exec = sandbox.path("/exec");
    String trueArgv = "{\"argv\":[\"true\"]}";
    List<String> crun = crunExec(w, sandbox.id());
    return List.of(
        new RoundTrips.Plan("session command (sync)", sessionWarmup, SESSION_ROUND_TRIPS, () -> {
          long t0 = System.nanoTime();
          ApiClient.Answer a = api.post(commands, trueCommand, SessionSandbox.COMMAND_T);
          long t = System.nanoTime() - t0;
          SessionSandbox.expectFinished(a, "true");
          return t;
        }),
        new RoundTrips.Plan("nsenter + crun exec", 5, CRUN_EXECS, () -> {
          long t0 = System.nanoTime();
          Tool.Result r = Tool.run(crun, CRUN_T);
          long t = System.nanoTime() - t0;
          r.orThrow();
          return t;
        }),
        new RoundTrips.Plan("POST …/exec (one-shot)", 20, API_EXECS, () -> {
          long t0 = System.nanoTime();
          ApiClient.Answer a = api.post(exec, trueArgv, SessionSandbox.COMMAND_T);
          long t = System.nanoTime() - t0;
          int code = a.expect(200).json().path("exitCode").asInt(-1);
          if (code != 0) {
            throw new IllegalStateException("exec true in " + sandbox.id() + " exited with " + code + ": " + a.body());
          }
          return t;
        }),
        new RoundTrips.Plan("bare FIFO into bash", 200, FIFO_ROUND_TRIPS, fifo::roundTrip),
        new RoundTrips.Plan("GET /healthz", 200, HEALTHZ_ROUND_TRIPS, () -> {
          long t0 = System.nanoTime();
          ApiClient.Answer a = api.get("/healthz", SessionSandbox.T);
          long t = System.nanoTime() - t0;
          a.expect(200);
          return t;
        }));
  }

  private static long jitMillis() {
    CompilationMXBean c = ManagementFactory.getCompilationMXBean();
    return c != null && c.isCompilationTimeMonitoringSupported() ? c.getTotalCompilationTime() : 0;
  }

  /** {@code crun exec <sandbox> true} as Warren runs crun: its --root, in its mount namespace on hybrid-cgroup hosts. */
  private static List<String> crunExec(BenchWarren w, String sandboxId) {
    Path run = Path.of("/run/warren", w.instance().name());
    Path root = run.resolve("crun");
    if (!Files.isDirectory(root.resolve(sandboxId))) {
      throw new IllegalStateException("crun has no container " + sandboxId + " under " + root);
    }
    List<String> argv = new ArrayList<>();
    if (FloorNamespace.hybridCgroups()) {
      argv.addAll(List.of("nsenter", "--mount=" + run.resolve("mntns"), "--"));
    }
    argv.addAll(List.of("crun", "--root", root.toString(), "exec", sandboxId, "true"));
    return List.copyOf(argv);
  }

  /** The parts measured so far; printed even when a later part failed. */
  private static final class Parts {
    RoundTrips.Measured session;
    RoundTrips.Measured crunExec;
    RoundTrips.Measured apiExec;
    RoundTrips.Measured fifo;
    RoundTrips.Measured healthz;
    Jit jit;
    SessionThroughput.Result one;
    SessionThroughput.Result many;
    Stats sessionCreates;
    SessionStreaming.Result streaming;

    Result result(List<String> failures) {
      return new Result(Optional.ofNullable(session), Optional.ofNullable(crunExec), Optional.ofNullable(apiExec), Optional.ofNullable(fifo),
          Optional.ofNullable(healthz), Optional.ofNullable(jit), Optional.ofNullable(one), Optional.ofNullable(many),
          Optional.ofNullable(sessionCreates), Optional.ofNullable(streaming), failures);
    }
  }
}
