package dev.warren.reliability;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * What one fault under load showed: how long it lasted, how the calls made meanwhile were
 * answered (a 503 naming the fault, or something less clear), how soon after it ended calls
 * worked again, and whether anything acknowledged was lost. The targets: every failure while it
 * lasted names it, nothing is lost, recovery within {@link #RECOVERY_TARGET_MS} of its end, no
 * failure outside it, nothing left on the host.
 *
 * @param recoveryMillis from the fault's end to the start of the first call (the fault's probe)
 *     that worked again; -1 when none did within a minute
 * @param named failed calls answered 503 naming the fault
 * @param unclear failed calls answered otherwise while the fault lasted
 * @param problems what the checks found (lost, resurrected, duplicated, counters, files) and what
 *     the fault's own checks found (the killed sandbox not marked failed, the browser not reported)
 */
public record FaultResult(String fault, double heldSeconds, int named, List<String> unclear, long recoveryMillis, List<String> problems,
    List<String> unexplained, List<String> leftovers, List<String> notes) {
  public static final long RECOVERY_TARGET_MS = 5000;

  public List<String> failures() {
    List<String> out = new ArrayList<>();
    if (!unclear.isEmpty()) {
      out.add(fault + ": " + unclear.size() + " calls failed without naming it " + unclear.subList(0, Math.min(3, unclear.size())));
    }
    if (recoveryMillis < 0 || recoveryMillis > RECOVERY_TARGET_MS) {
      out.add(fault + ": " + (recoveryMillis < 0 ? "did not recover" : "recovered " + recoveryMillis + " ms after it ended"));
    }
    if (!problems.isEmpty()) {
      out.add(fault + ": " + problems);
    }
    if (!unexplained.isEmpty()) {
      out.add(fault + ": " + unexplained.size() + " failures outside it " + unexplained.subList(0, Math.min(3, unexplained.size())));
    }
    if (!leftovers.isEmpty()) {
      out.add(fault + ": left on the host " + leftovers);
    }
    return out;
  }

  public void print(Consumer<String> out) {
    out.accept(String.format("%s for %.1f s: %d calls answered 503 naming it, %d otherwise; calls worked again from %d ms after it ended; "
        + "%d problems, %d failures outside it, %d left on the host", fault, heldSeconds, named, unclear.size(), recoveryMillis,
        problems.size(), unexplained.size(), leftovers.size()));
    notes.forEach(n -> out.accept("  " + n));
    unclear.stream().limit(5).forEach(u -> out.accept("  unclear: " + u));
    problems.forEach(p -> out.accept("  PROBLEM: " + p));
    unexplained.stream().limit(5).forEach(u -> out.accept("  outside: " + u));
    leftovers.forEach(l -> out.accept("  LEFT: " + l));
  }
}
