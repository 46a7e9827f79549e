package dev.warren.bench;

import dev.warren.reliability.ChaosResult;
import dev.warren.reliability.FaultResult;
import java.util.ArrayList;
import java.util.List;

/** The chaos targets of issue 18, checked against a {@link ChaosSection.Result}. */
final class ChaosVerdicts {
  static final long TARGET_READY_P50_MS = 2000;

  private ChaosVerdicts() {}

  static List<Boolean> of(ChaosSection.Result r) {
    List<Boolean> verdicts = new ArrayList<>();
    r.kills().ifPresent(k -> {
      verdicts.add(zero(k.lost(), "chaos: 0 acknowledged creates lost"));
      verdicts.add(zero(k.resurrected(), "chaos: 0 acknowledged deletes resurrected"));
      verdicts.add(zero(k.counterRegressions(), "chaos: 0 counter regressions"));
      verdicts.add(zero(k.undeletable(), "chaos: 0 sandboxes that cannot be deleted"));
      verdicts.add(zero(k.leftovers(), "chaos: 0 left on the host after teardown"));
      verdicts.add(Summary.verdict(k.duplicates().isEmpty(), "chaos: every create whose answer was lost made exactly one sandbox",
          k.answerLost().size() + " answers lost, " + k.sdkCreatesAcrossKills() + " SDK creates across a kill, " + k.duplicates().size()
              + " made more than one"));
      List<String> rest = new ArrayList<>();
      rest.addAll(k.notRunning());
      rest.addAll(k.strays());
      rest.addAll(k.lostWrites());
      rest.addAll(k.browserProblems());
      rest.addAll(k.unexplainedFailures());
      verdicts.add(zero(rest, "chaos: nothing else wrong (not running, strays, writes, browsers, errors while up)"));
      long p50 = k.readyPercentile(50);
      verdicts.add(Summary.verdict(p50 >= 0 && p50 <= TARGET_READY_P50_MS, "chaos: p50 restart to /readyz <= 2 s (" + k.sandboxesAtKills()
          + " sandboxes)", Summary.fmt("p50 %d ms, p90 %d ms, max %d ms over %d kills", p50, k.readyPercentile(90), k.readyPercentile(100),
          k.kills())));
    });
    for (FaultResult f : r.faults()) {
      List<String> failed = f.failures();
      verdicts.add(Summary.verdict(failed.isEmpty(), "fault: " + f.fault() + ": 503 naming it, 0 lost, back <= 5 s",
          Summary.fmt("%d named, %d unclear, back in %d ms, %d problems", f.named(), f.unclear().size(), f.recoveryMillis(),
              f.problems().size() + f.unexplained().size() + f.leftovers().size())));
    }
    return verdicts;
  }

  private static boolean zero(List<String> found, String target) {
    return Summary.verdict(found.isEmpty(), target, found.isEmpty() ? "0" : found.size() + " " + found.subList(0, Math.min(3, found.size())));
  }
}
