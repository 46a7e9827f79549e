package dev.warren.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/** Prints what the sessions section measured, part by part; a part that did not run is left out. */
final class SessionReport {
  private SessionReport() {}

  static void print(SessionSection.Result r) {
    List<RoundTrips.Measured> trips = new ArrayList<>();
    for (Optional<RoundTrips.Measured> m : List.of(r.session(), r.crunExec(), r.apiExec(), r.fifo(), r.healthz())) {
      m.ifPresent(trips::add);
    }
    if (!trips.isEmpty()) {
      Report.note("round trips of `true`, interleaved in " + RoundTrips.ROUNDS
          + " rounds (each round a block of every row, the first row rotating):");
      List<List<String>> rows = new ArrayList<>();
      rows.add(List.of("(ms)", "n", "p50", "p90", "p99", "max", "mean", "failed"));
      for (RoundTrips.Measured m : trips) {
        Stats s = m.stats();
        rows.add(List.of(s.name(), Integer.toString(s.n()), ms3(s.p50()), ms3(s.percentile(0.90)), ms3(s.percentile(0.99)), ms3(s.maxMs()),
            ms3(s.meanMs()), Integer.toString(m.failures())));
      }
      Report.table(rows);
      Report.note("p50 of each round (ms), in the order the rounds ran:");
      List<List<String>> drift = new ArrayList<>();
      List<String> head = new ArrayList<>(List.of("(ms)"));
      for (int i = 1; i <= RoundTrips.ROUNDS; i++) {
        head.add(Integer.toString(i));
      }
      drift.add(head);
      for (RoundTrips.Measured m : trips) {
        List<String> row = new ArrayList<>(List.of(m.stats().name()));
        for (int i = 0; i < RoundTrips.ROUNDS; i++) {
          row.add(i < m.rounds().size() ? ms3(m.rounds().get(i).p50()) : "-");
        }
        drift.add(row);
      }
      Report.table(drift);
      r.jit().ifPresent(j -> Report.note(fmt("the round trips took %.1f s (warm-ups included); the JIT compilers of this JVM "
          + "(controller and benchmark) were busy for %.1f s of it", j.wallMillis() / 1e3, j.compileMillis() / 1e3)));
      trips.forEach(m -> m.cutShort().ifPresent(c -> Report.note(m.stats().name() + ": cut short: " + c)));
      trips.forEach(m -> m.errors().forEach(e -> Report.note(m.stats().name() + ": " + e)));
      if (r.session().isPresent()) {
        double session = r.session().get().stats().p50();
        r.crunExec().ifPresent(c -> Report.note(fmt("crun exec p50 / session p50: %.2fx", c.stats().p50() / session)));
        r.apiExec().ifPresent(c -> Report.note(fmt("one-shot exec p50 / session p50: %.2fx", c.stats().p50() / session)));
        r.fifo().ifPresent(c -> Report.note(fmt("session p50 - bare FIFO p50: %.3f ms", session - c.stats().p50())));
        r.healthz().ifPresent(c -> Report.note(fmt("session p50 - GET /healthz p50: %.3f ms", session - c.stats().p50())));
      }
    }
    r.sessionCreates().filter(s -> s.n() > 0).ifPresent(s -> Report.note(fmt("sessions opened: %d, POST …/sessions p50 %s ms, max %s ms",
        s.n(), Report.ms(s.p50()), Report.ms(s.maxMs()))));
    if (r.one().isPresent() || r.many().isPresent()) {
      Report.note("commands per second: sync `true` back to back for " + SessionThroughput.WINDOW.toSeconds()
          + " s, each client its own thread, connection and session, after " + SessionThroughput.WARMUP + " warm-up commands each:");
      List<List<String>> rows = new ArrayList<>();
      rows.add(List.of("clients (= sessions)", "commands", "wall s", "commands/s", "p50 ms", "p90 ms", "p99 ms", "max ms", "failed"));
      for (Optional<SessionThroughput.Result> o : List.of(r.one(), r.many())) {
        o.ifPresent(t -> rows.add(List.of(Integer.toString(t.clients()), Long.toString(t.commands()), fmt("%.2f", t.wallNanos() / 1e9),
            fmt("%.0f", t.perSecond()), Report.ms(t.latency().p50()), Report.ms(t.latency().percentile(0.90)),
            Report.ms(t.latency().percentile(0.99)), Report.ms(t.latency().maxMs()), Integer.toString(t.failures()))));
      }
      Report.table(rows);
    }
    r.streaming().ifPresent(s -> {
      Report.note(fmt("%d MB of stdout (`%s`; MB = 10^6 bytes, every byte counted, SSE offsets checked):",
          SessionStreaming.BYTES / 1_000_000, SessionStreaming.COMMAND));
      Report.table(List.of(
          List.of("step", "s", "MB/s"),
          List.of("command, from async submit to its end", fmt("%.2f", s.producedNanos() / 1e9),
              fmt("%.0f", SessionStreaming.Result.mbPerSecond(s.producedNanos()))),
          List.of("GET …/logs (raw bytes)", fmt("%.2f", s.rawNanos() / 1e9),
              fmt("%.0f", SessionStreaming.Result.mbPerSecond(s.rawNanos()))),
          List.of("GET …/logs?follow=true (SSE, base64)", fmt("%.2f", s.sseNanos() / 1e9),
              fmt("%.0f", SessionStreaming.Result.mbPerSecond(s.sseNanos())))));
      Report.note(fmt("the job's own durationMs: %d ms; SSE output events: %d", s.serverMillis(), s.events()));
    });
    r.failures().forEach(f -> Report.note("FAILED: " + f));
  }

  /** Milliseconds to the microsecond: the FIFO floor is a few tens of microseconds. */
  private static String ms3(double v) {
    return Double.isNaN(v) ? "-" : fmt("%.3f", v);
  }

  static String fmt(String format, Object... args) {
    return String.format(Locale.ROOT, format, args);
  }
}
