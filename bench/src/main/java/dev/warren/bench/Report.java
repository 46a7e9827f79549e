package dev.warren.bench;

import java.io.PrintStream;
import java.util.List;
import java.util.Locale;

/** Prints the figures: one titled table per section and the summary of targets. Not thread-safe. */
final class Report {
  private static final PrintStream OUT = System.out;

  private Report() {}

  static void title(String title) {
    OUT.println();
    OUT.println("== " + title + " " + "=".repeat(Math.max(3, 96 - title.length())));
  }

  static void line(String format, Object... args) {
    OUT.println(String.format(Locale.ROOT, format, args));
  }

  static void note(String text) {
    OUT.println("   " + text);
  }

  /** Latency rows: n, p50, p95, max, mean and min, in milliseconds. */
  static void latencies(List<Stats> rows) {
    line("   %-28s %5s %9s %9s %9s %9s %9s", "(ms)", "n", "p50", "p95", "max", "mean", "min");
    for (Stats s : rows) {
      line("   %-28s %5d %9s %9s %9s %9s %9s", s.name(), s.n(), ms(s.p50()), ms(s.p95()), ms(s.maxMs()),
          ms(s.meanMs()), ms(s.minMs()));
    }
  }

  /** A generic table: the first row is the header, the first column is left-aligned. */
  static void table(List<List<String>> rows) {
    int cols = rows.getFirst().size();
    int[] width = new int[cols];
    for (List<String> r : rows) {
      for (int c = 0; c < cols; c++) {
        width[c] = Math.max(width[c], r.get(c).length());
      }
    }
    for (List<String> r : rows) {
      StringBuilder b = new StringBuilder("   ");
      for (int c = 0; c < cols; c++) {
        String cell = r.get(c);
        b.append(c == 0 ? pad(cell, width[c], false) : "  " + pad(cell, width[c], true));
      }
      OUT.println(b.toString().stripTrailing());
    }
  }

  static void verdict(Boolean pass, String target, String measured) {
    String tag = pass == null ? "n/a " : pass ? "PASS" : "FAIL";
    line("   %s  %-70s %s", tag, target, measured);
  }

  static String ms(double v) {
    return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.1f", v);
  }

  static String mib(double bytes) {
    return Double.isNaN(bytes) ? "-" : String.format(Locale.ROOT, "%.2f", bytes / (1024.0 * 1024.0));
  }

  private static String pad(String s, int width, boolean right) {
    String fill = " ".repeat(Math.max(0, width - s.length()));
    return right ? fill + s : s + fill;
  }
}
