package dev.warren.reliability;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * What a chaos run found. Every list names what it counts (ids, values, reasons); the targets are
 * that all the problem lists are empty. {@code readyMillis}: for each kill, the time from starting
 * the next controller to its first {@code /readyz} 200.
 *
 * @param answerLost creates whose answer was lost in a kill and that the client retried with the
 *     same Idempotency-Key: {@code op → sandbox}, each checked to be exactly one sandbox
 * @param strays sandboxes no client was told of and no interrupted create explains
 */
public record ChaosResult(
    int kills, List<Long> readyMillis, int sandboxesAtKills, double wallSeconds, Map<String, Integer> acknowledged,
    List<String> answerLost, int sdkCreatesAcrossKills,
    List<String> lost, List<String> resurrected, List<String> duplicates, List<String> notRunning, List<String> strays,
    List<String> counterRegressions, List<String> lostWrites, List<String> browserProblems, List<String> undeletable,
    List<String> leftovers, List<String> unexplainedFailures, String restartSteps) {

  /** Nearest-rank percentile of the restart-to-ready times, in milliseconds; -1 without kills. */
  public long readyPercentile(int p) {
    if (readyMillis.isEmpty()) {
      return -1;
    }
    List<Long> sorted = readyMillis.stream().sorted().toList();
    return sorted.get(Math.max(0, (int) Math.ceil(p / 100.0 * sorted.size()) - 1));
  }

  /** The targets that failed, each with what was found; empty when the run passed. */
  public List<String> failures() {
    List<String> out = new ArrayList<>();
    add(out, "acknowledged creates lost", lost);
    add(out, "acknowledged deletes resurrected", resurrected);
    add(out, "creates that made more than one sandbox", duplicates);
    add(out, "acknowledged sandboxes not running", notRunning);
    add(out, "sandboxes nobody asked for", strays);
    add(out, "counter regressions", counterRegressions);
    add(out, "acknowledged file writes lost", lostWrites);
    add(out, "browser problems", browserProblems);
    add(out, "sandboxes that cannot be deleted", undeletable);
    add(out, "left on the host after teardown", leftovers);
    add(out, "failures outside any kill (5xx or errors while the controller was up)", unexplainedFailures);
    return out;
  }

  private static void add(List<String> out, String what, List<String> found) {
    if (!found.isEmpty()) {
      out.add(what + ": " + found.size() + " " + found.subList(0, Math.min(found.size(), 5)) + (found.size() > 5 ? " …" : ""));
    }
  }

  /** The figures, one line each. */
  public void print(Consumer<String> out) {
    out.accept(String.format("%d kills in %.0f s with %d sandboxes present; restart to /readyz p50 %d ms, p90 %d ms, max %d ms",
        kills, wallSeconds, sandboxesAtKills, readyPercentile(50), readyPercentile(90), readyPercentile(100)));
    out.accept("restart steps, the median of each (the controller's log): " + restartSteps);
    out.accept("acknowledged operations: " + acknowledged);
    out.accept("creates whose answer was lost in a kill, retried with their Idempotency-Key: " + answerLost.size()
        + (answerLost.isEmpty() ? "" : " " + answerLost) + "; SDK creates that spanned a kill: " + sdkCreatesAcrossKills);
    line(out, "acknowledged creates lost", lost);
    line(out, "acknowledged deletes resurrected", resurrected);
    line(out, "creates that made more than one sandbox", duplicates);
    line(out, "acknowledged sandboxes not running", notRunning);
    line(out, "sandboxes nobody asked for", strays);
    line(out, "counter regressions", counterRegressions);
    line(out, "acknowledged file writes lost", lostWrites);
    line(out, "browser problems", browserProblems);
    line(out, "sandboxes that cannot be deleted", undeletable);
    line(out, "left on the host after teardown (mounts, netns, veths, cgroups, processes, nftables, dirs)", leftovers);
    line(out, "failures outside any kill", unexplainedFailures);
  }

  private static void line(Consumer<String> out, String what, List<String> found) {
    out.accept(what + ": " + found.size() + (found.isEmpty() ? "" : " " + found.subList(0, Math.min(found.size(), 10))
        + (found.size() > 10 ? " …" : "")));
  }
}
