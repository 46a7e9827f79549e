package dev.warren.bench;

import dev.warren.reliability.Chaos;
import dev.warren.reliability.ChaosResult;
import dev.warren.reliability.FaultResult;
import dev.warren.reliability.Faults;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Chaos: the controller as a child process ({@code warren serve}) SIGKILLed K times at random
 * moments while N clients work, then every check of {@link Chaos}; with {@code --faults}, the
 * faults Warren claims to survive without a restart, each under load ({@link Faults}). The runs
 * themselves live with the reliability tests, which run them in small; this section prints them.
 */
final class ChaosSection {
  private ChaosSection() {}

  record Result(Optional<ChaosResult> kills, List<FaultResult> faults, List<String> errors) {}

  static Result run(Options o, Cleanup cleanup) throws InterruptedException {
    Options.ChaosRun c = o.chaos();
    Optional<ChaosResult> kills = Optional.empty();
    List<String> errors = new ArrayList<>();
    if (c.killing()) {
      if (c.startupCache()) {
        startupCache(errors);
      } else {
        System.setProperty(dev.warren.testing.TestWarren.NO_STARTUP_CACHE, "true");
        Report.note("controllers start without the start-up cache (--no-startup-cache)");
      }
      boolean browsers = o.soakBrowsers() && Files.isDirectory(BenchWarren.IMAGES.resolve("browser"));
      Report.title("Chaos: " + o.clients() + " clients, the controller SIGKILLed " + c.kills() + " times at random moments, "
          + c.population() + " idle sandboxes" + (browsers ? "" : " (no browsers)"));
      Report.note("one client: a home sandbox with a session counting in its shell; at random: sandbox create (SDK, or by hand with an "
          + "Idempotency-Key), delete, counter bump, file write" + (browsers ? ", browser create and delete" : ""));
      Report.note("a kill every 0.5-4 s of work after the controller is ready again; load average at the start: " + Machine.loadAverage());
      try {
        ChaosResult r = Chaos.run(new Chaos.Settings(o.clients(), c.kills(), browsers, c.population(), Duration.ofMillis(500),
            Duration.ofSeconds(4), System.nanoTime()), Report::note, w -> cleanup.push("the chaos controller", w));
        r.print(Report::note);
        kills = Optional.of(r);
      } catch (RuntimeException e) {
        errors.add("chaos run: " + e);
        e.printStackTrace();
      }
    }
    List<FaultResult> faults = new ArrayList<>();
    if (c.faults()) {
      Report.title("Faults under load, each on a controller of its own with 3 clients");
      try {
        for (FaultResult f : Faults.all(Report::note)) {
          f.print(Report::note);
          faults.add(f);
        }
      } catch (Exception e) {
        if (e instanceof InterruptedException ie) {
          throw ie;
        }
        errors.add("faults: " + e);
        e.printStackTrace();
      }
    }
    Report.note("load average at the end: " + Machine.loadAverage());
    return new Result(kills, faults, errors);
  }

  /**
   * The controllers of the run start from the start-up cache of this jar, as an installed Warren
   * does ({@code warren install} and {@code ./warren up} train it): trained here once per build.
   */
  private static void startupCache(List<String> errors) {
    try {
      java.nio.file.Path cache = dev.warren.ops.AotCache.train(dev.warren.ops.AotCache.thisClassPath(), dev.warren.ops.AotCache.thisJava(),
          java.util.Optional.of(BenchWarren.IMAGES), Report::note);
      Report.note("controllers start from the start-up cache " + cache.getFileName());
    } catch (RuntimeException e) {
      errors.add("start-up cache: " + e.getMessage());
      Report.note("controllers start without a start-up cache: " + e.getMessage());
    }
  }
}
