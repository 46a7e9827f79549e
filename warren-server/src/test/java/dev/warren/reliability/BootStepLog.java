package dev.warren.reliability;

import dev.warren.testing.TestWarren;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The steps of each restart of a chaos run, as the controller logs them ("started in 1075 ms: jvm
 * 1146 ms, host 56 ms, store 212 ms, …"), and the median of each: which step a slow restart spends
 * its time in. Used by the one thread that restarts the controller.
 */
final class BootStepLog {
  private static final Pattern LINE = Pattern.compile("started in \\d+ ms: ([^\"\\n]+)");
  private static final Pattern STEP = Pattern.compile("([a-z-]+) (\\d+) ms");

  private final Map<String, List<Long>> steps = new LinkedHashMap<>();
  private int seen;

  /** Reads the steps of the start that just answered /readyz (its line may follow the answer by a moment). */
  void record(TestWarren w) throws InterruptedException {
    for (int attempt = 0; attempt < 50; attempt++) {
      List<String> lines = new ArrayList<>();
      Matcher m = LINE.matcher(w.log(100_000));
      while (m.find()) {
        lines.add(m.group(1));
      }
      if (lines.size() > seen) {
        seen = lines.size();
        Matcher s = STEP.matcher(lines.getLast());
        while (s.find()) {
          steps.computeIfAbsent(s.group(1), k -> new ArrayList<>()).add(Long.parseLong(s.group(2)));
        }
        return;
      }
      Thread.sleep(20);
    }
  }

  /** "jvm 900 ms, host 50 ms, …": the median of each step over the restarts recorded. */
  String medians() {
    List<String> out = new ArrayList<>();
    steps.forEach((name, ms) -> out.add(name + " " + ms.stream().sorted().toList().get((ms.size() - 1) / 2) + " ms"));
    return out.isEmpty() ? "(not logged)" : String.join(", ", out);
  }
}
