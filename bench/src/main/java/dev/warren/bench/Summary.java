package dev.warren.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The targets from the issues, checked against what this run measured: p50 create-to-first-exec
 * at most 120 ms (networked, limits applied) and at most 2.5× the plain-crun floor; 500 idle
 * sandboxes at once, created and deleted with nothing left behind; the p50 round trip of a
 * command in a warm shell session at most 3 ms through the HTTP API and at least 3× faster than a
 * fresh {@code crun exec}; browser sessions: create-to-CDP-ready p50 at most 1 s cold and 100 ms
 * from the warm pool, at most 200 MiB PSS per idle session, concurrent sessions fully
 * independent; sandbox state: see {@link StateVerdicts}. Sections that did not run are {@code null} and their targets are
 * reported as not measured.
 */
final class Summary {
  static final double TARGET_P50_MS = 120;
  static final double TARGET_RATIO = 2.5;
  static final int TARGET_IDLE = 500;
  static final double TARGET_SESSION_P50_MS = 3;
  static final double TARGET_SESSION_SPEEDUP = 3;
  static final double TARGET_LIVE_FPS = 15;
  static final double TARGET_FIRST_FRAME_MS = 1000;
  static final double TARGET_RECOVERY_MS = 5000;
  static final double TARGET_BROWSER_COLD_P50_MS = 1000;
  static final double TARGET_BROWSER_WARM_P50_MS = 100;
  static final double TARGET_BROWSER_PSS_MIB = 200;

  Latencies sequential;
  PoolSection.Result pool;
  ConcurrentSection.Result concurrent;
  Latencies floor;
  List<String> floorLeftovers;
  IdleSection.Result idle;
  SessionSection.Result sessions;
  SoakSection.Result soak;
  LiveViewSection.Result liveview;
  BrowserSection.Result browsers;
  ChaosSection.Result chaos;
  StateSection.Result state;
  List<String> teardownRemnants;
  final List<String> failures = new ArrayList<>();

  /** Prints the block; true when no target failed and no section failed. */
  boolean print() {
    Report.title("Summary");
    List<Boolean> verdicts = new ArrayList<>();
    Double p50 = sequential == null ? null : sequential.total().p50();
    if (p50 != null && !p50.isNaN()) {
      verdicts.add(verdict(p50 <= TARGET_P50_MS, "p50 create-to-first-exec <= 120 ms (networked, limits applied)",
          fmt("%.1f ms (p95 %.1f ms, n=%d)", p50, sequential.total().p95(), sequential.total().n())));
    } else {
      Report.verdict(null, "p50 create-to-first-exec <= 120 ms (networked, limits applied)", "not measured");
    }
    Double floorP50 = floor == null ? null : floor.total().p50();
    if (p50 != null && floorP50 != null && !p50.isNaN() && !floorP50.isNaN()) {
      double ratio = p50 / floorP50;
      verdicts.add(verdict(ratio <= TARGET_RATIO, "p50 create-to-first-exec <= 2.5x the plain-crun floor",
          fmt("%.2fx (Warren %.1f ms / floor %.1f ms)", ratio, p50, floorP50)));
    } else {
      Report.verdict(null, "p50 create-to-first-exec <= 2.5x the plain-crun floor",
          floorP50 == null ? "not measured (floor skipped)" : "not measured");
    }
    String poolTarget = "p50 create-to-first-exec from the warm pool <= 10 ms";
    if (pool != null && pool.latencies().total().n() > 0) {
      Stats t = pool.latencies().total();
      verdicts.add(verdict(t.p50() <= PoolSection.TARGET_P50_MS && pool.fromPool() == t.n(), poolTarget,
          fmt("%.1f ms (p95 %.1f ms, n=%d, %d from the pool)%s", t.p50(), t.p95(), t.n(), pool.fromPool(),
              p50 == null || p50.isNaN() ? "" : fmt("; cold %.1f ms", p50))));
    } else {
      Report.verdict(null, poolTarget, "not measured");
    }
    if (pool != null) {
      verdicts.add(verdict(pool.remnants().isEmpty(), "the pool's controller left nothing behind",
          pool.remnants().isEmpty() ? "nothing left" : pool.remnants().toString()));
    }
    String idleTarget = "500 idle sandboxes at once, created and deleted, nothing left behind";
    if (idle == null) {
      Report.verdict(null, idleTarget, "not measured");
    } else {
      boolean allMade = idle.created() == idle.requested() && idle.deleted() == idle.created();
      boolean clean = idle.leftovers().isEmpty() && (teardownRemnants == null || teardownRemnants.isEmpty());
      String measured = fmt("%d/%d created, %d deleted, %s; memcg %s MiB mean/sandbox", idle.created(), idle.requested(),
          idle.deleted(), clean ? "nothing left" : "LEFTOVERS", Report.mib(idle.memcg().rawMean()));
      if (idle.requested() < TARGET_IDLE) {
        Report.verdict(null, idleTarget, measured + " (only " + idle.requested() + " asked; run with --idle 500)");
        if (!allMade || !clean) {
          verdicts.add(false);
        }
      } else {
        verdicts.add(verdict(allMade && clean, idleTarget, measured));
      }
    }
    if (concurrent != null) {
      Latencies c = concurrent.latencies();
      Report.verdict(null, fmt("%d concurrent create-to-first-exec (no target)", c.total().n()),
          fmt("p50 %.1f ms, p95 %.1f ms, wall %.1f ms", c.total().p50(), c.total().p95(), concurrent.createWallNanos() / 1e6));
    }
    if (sessions != null) {
      verdicts.addAll(sessionVerdicts(sessions));
    }
    if (browsers != null) {
      verdicts.addAll(BrowserVerdicts.of(browsers));
    }
    if (state != null) {
      verdicts.addAll(StateVerdicts.of(state));
    }
    if (soak != null) {
      verdicts.addAll(soakVerdicts(soak));
    }
    if (liveview != null) {
      verdicts.addAll(liveVerdicts(liveview));
    }
    if (chaos != null) {
      verdicts.addAll(ChaosVerdicts.of(chaos));
    }
    if (floorLeftovers != null) {
      verdicts.add(verdict(floorLeftovers.isEmpty(), "the plain-crun floor left nothing behind",
          floorLeftovers.isEmpty() ? "nothing left" : floorLeftovers.toString()));
    }
    if (teardownRemnants != null) {
      verdicts.add(verdict(teardownRemnants.isEmpty(), "teardown left nothing of the instance on the host",
          teardownRemnants.isEmpty() ? "nothing left" : teardownRemnants.toString()));
    }
    for (String f : failures) {
      Report.note("FAILED: " + f);
    }
    return failures.isEmpty() && !verdicts.contains(false);
  }

  private static List<Boolean> sessionVerdicts(SessionSection.Result r) {
    List<Boolean> verdicts = new ArrayList<>();
    String absolute = "p50 round trip <= 3 ms through the HTTP API (session, `true`)";
    String relative = "session round trip >= 3x faster than a fresh crun exec (p50)";
    Double p50 = r.session().map(m -> m.stats().p50()).filter(v -> !v.isNaN()).orElse(null);
    if (p50 == null) {
      Report.verdict(null, absolute, "not measured");
    } else {
      Stats s = r.session().get().stats();
      verdicts.add(verdict(p50 <= TARGET_SESSION_P50_MS, absolute, fmt("%.2f ms (p99 %.2f ms, n=%d)", p50, s.percentile(0.99), s.n())));
    }
    Double crun = r.crunExec().map(m -> m.stats().p50()).filter(v -> !v.isNaN()).orElse(null);
    if (p50 == null || crun == null) {
      Report.verdict(null, relative, "not measured");
    } else {
      double ratio = crun / p50;
      verdicts.add(verdict(ratio >= TARGET_SESSION_SPEEDUP, relative,
          fmt("%.2fx (crun exec %.2f ms / session %.2f ms)", ratio, crun, p50)));
    }
    if (r.one().isPresent() && r.many().isPresent()) {
      SessionThroughput.Result one = r.one().get();
      SessionThroughput.Result many = r.many().get();
      Report.verdict(null, "session commands per second (no target)", fmt("1 session %.0f/s; %d sessions %.0f/s (p50 %.2f ms, p99 %.2f ms)",
          one.perSecond(), many.clients(), many.perSecond(), many.latency().p50(), many.latency().percentile(0.99)));
    }
    r.streaming().ifPresent(s -> Report.verdict(null, "200 MB of stdout (no target)", fmt("written %.0f MB/s; read raw %.0f MB/s, SSE %.0f MB/s",
        SessionStreaming.Result.mbPerSecond(s.producedNanos()), SessionStreaming.Result.mbPerSecond(s.rawNanos()),
        SessionStreaming.Result.mbPerSecond(s.sseNanos()))));
    return verdicts;
  }

  private static List<Boolean> soakVerdicts(SoakSection.Result r) {
    List<Boolean> verdicts = new ArrayList<>();
    int ops = r.counts().values().stream().mapToInt(Integer::intValue).sum();
    verdicts.add(verdict(r.errors() == 0 && ops > 0, "soak: every operation succeeded",
        fmt("%d operations by %d clients in %.0f s (%.1f/s), %d failed", ops, r.clients(), r.wallNanos() / 1e9, ops / (r.wallNanos() / 1e9),
            r.errors())));
    verdicts.add(verdict(r.leftovers().isEmpty(), "soak: host and controller counts back to their starting values",
        r.leftovers().isEmpty() ? "mounts, netns, veths, cgroups, processes, fds, rows: all back" : r.leftovers().toString()));
    verdicts.add(verdict(r.heapFlat(), "soak: controller heap flat (end <= start + 16 MiB, after GC)",
        fmt("start %s MiB, middle %s MiB, end %s MiB", Report.mib(r.heapStart()), r.heapMiddle() < 0 ? "-" : Report.mib(r.heapMiddle()),
            Report.mib(r.heapEnd()))));
    return verdicts;
  }

  private static List<Boolean> liveVerdicts(LiveViewSection.Result r) {
    List<Boolean> verdicts = new ArrayList<>();
    String fps = "live view >= 15 frames/s while a 1280x720 page animates";
    r.fps().ifPresentOrElse(f -> verdicts.add(verdict(f >= TARGET_LIVE_FPS, fps, fmt("%.1f frames/s (gap p50 %.1f ms, p95 %.1f ms)", f,
        r.frameGaps().map(Stats::p50).orElse(Double.NaN), r.frameGaps().map(Stats::p95).orElse(Double.NaN)))),
        () -> Report.verdict(null, fps, "not measured"));
    String first = "first frame <= 1 s after opening a viewer (p50, cold: new generation)";
    r.firstCold().ifPresentOrElse(s -> verdicts.add(verdict(s.p50() <= TARGET_FIRST_FRAME_MS, first, fmt("%.0f ms (max %.0f ms; warm p50 %s ms)",
        s.p50(), s.maxMs(), r.firstWarm().map(w -> Report.ms(w.p50())).orElse("-")))), () -> Report.verdict(null, first, "not measured"));
    String rec = "view recovers <= 5 s after a sandbox restart (every restart)";
    r.recovery().ifPresentOrElse(s -> verdicts.add(verdict(s.maxMs() <= TARGET_RECOVERY_MS, rec, fmt("max %.0f ms, p50 %.0f ms, n=%d",
        s.maxMs(), s.p50(), s.n()))), () -> Report.verdict(null, rec, "not measured"));
    r.latency().ifPresentOrElse(s -> Report.verdict(null, "page change to frame shown (no target)", fmt("p50 %.0f ms, p95 %.0f ms, n=%d",
        s.p50(), s.p95(), s.n())), () -> Report.verdict(null, "page change to frame shown (no target)", "not measured"));
    return verdicts;
  }

  static boolean verdict(boolean pass, String target, String measured) {
    Report.verdict(pass, target, measured);
    return pass;
  }

  static String fmt(String format, Object... args) {
    return String.format(Locale.ROOT, format, args);
  }
}
