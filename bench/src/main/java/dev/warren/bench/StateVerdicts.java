package dev.warren.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The state section's targets (issue 13): pause and resume p50 at most 50 ms, idle and busy; a
 * snapshot of the 100 MB workspace at most 1 s; create from a snapshot at most 1.2× create from the
 * image (p50 of create + first exec); a fork of 10 at most 1.5 s; and nothing left behind.
 */
final class StateVerdicts {
  static final double TARGET_PAUSE_P50_MS = 50;
  static final double TARGET_SNAPSHOT_MS = 1000;
  static final double TARGET_FROM_SNAPSHOT_RATIO = 1.2;
  static final double TARGET_FORK_MS = 1500;

  private StateVerdicts() {}

  static List<Boolean> of(StateSection.Result r) {
    List<Boolean> verdicts = new ArrayList<>();
    r.pause().ifPresentOrElse(p -> {
      pause(verdicts, "idle", p.warrenIdle(), p.crunIdle());
      pause(verdicts, "busy", p.warrenBusy(), p.crunBusy());
    }, () -> {
      Report.verdict(null, "pause and resume p50 <= 50 ms (idle sandbox)", "not measured");
      Report.verdict(null, "pause and resume p50 <= 50 ms (busy sandbox)", "not measured");
    });
    String snapshot = "snapshot of 100 MB in 5,000 files <= 1 s (p50)";
    String fromSnapshot = "create from snapshot <= 1.2x create from image (p50 create + first exec)";
    String fork = "fork of 10 <= 1.5 s (wall)";
    Optional<SnapshotBench.Result> s = r.snapshots();
    if (s.isEmpty() || s.get().unavailable().isPresent()) {
      String why = s.flatMap(SnapshotBench.Result::unavailable).map(u -> "not measured (snapshots not available: " + u + ")")
          .orElse("not measured");
      for (String t : List.of(snapshot, fromSnapshot, fork)) {
        Report.verdict(null, t, why);
      }
    } else {
      SnapshotBench.Result x = s.get();
      Stats snap = x.snapshot().orElseThrow();
      verdicts.add(Summary.verdict(snap.p50() <= TARGET_SNAPSHOT_MS, snapshot, Summary.fmt(
          "%.0f ms (n=%d; size %s; cp -a floor %.0f ms on the host, %.0f ms out of a loop disk)",
          snap.p50(), snap.n(), x.sizeBytes().isPresent() ? Report.mib(x.sizeBytes().getAsLong()) + " MiB" : "not given",
          x.copy().map(Stats::p50).orElse(Double.NaN), x.loopCopy().map(Stats::p50).orElse(Double.NaN))));
      double image = x.fromImage().orElseThrow().total().p50();
      double snapshotP50 = x.fromSnapshot().orElseThrow().total().p50();
      double ratio = snapshotP50 / image;
      verdicts.add(Summary.verdict(ratio <= TARGET_FROM_SNAPSHOT_RATIO, fromSnapshot,
          Summary.fmt("%.2fx (snapshot %.1f ms / image %.1f ms)", ratio, snapshotP50, image)));
      double forkMs = x.forkNanos().orElseThrow() / 1e6;
      verdicts.add(Summary.verdict(forkMs <= TARGET_FORK_MS, fork, Summary.fmt("%.0f ms (10 sequential creates %.0f ms)", forkMs,
          x.sequentialNanos().orElseThrow() / 1e6)));
    }
    verdicts.add(Summary.verdict(r.leftovers().isEmpty() && r.floorLeftovers().isEmpty(), "state section left nothing behind",
        r.leftovers().isEmpty() && r.floorLeftovers().isEmpty() ? "nothing left" : r.leftovers() + " " + r.floorLeftovers()));
    return verdicts;
  }

  private static void pause(List<Boolean> verdicts, String kind, PauseResume.Measured warren, PauseResume.Measured crun) {
    Latencies w = warren.latencies();
    Latencies c = crun.latencies();
    String target = "pause and resume p50 <= 50 ms (" + kind + " sandbox)";
    double pause = w.create().p50();
    double resume = w.firstExec().p50();
    if (Double.isNaN(pause) || Double.isNaN(resume)) {
      Report.verdict(null, target, "not measured");
      return;
    }
    verdicts.add(Summary.verdict(pause <= TARGET_PAUSE_P50_MS && resume <= TARGET_PAUSE_P50_MS, target,
        Summary.fmt("pause %.1f ms, resume %.1f ms (p95 %.1f/%.1f; crun floor %.1f/%.1f ms)", pause, resume, w.create().p95(),
            w.firstExec().p95(), c.create().p50(), c.firstExec().p50())));
  }
}
