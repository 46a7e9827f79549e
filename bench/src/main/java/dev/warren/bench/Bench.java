package dev.warren.bench;

import dev.warren.host.Instance;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.Arrays;
import java.util.Optional;

/**
 * {@code ./warren bench}: measures sandbox create-to-first-exec latency (sequential, from the
 * warm pool, and concurrent), the plain-crun floor on the same image, shell sessions (round trip, throughput,
 * streaming output), browser sessions (create-to-CDP-ready cold and warm beside Chromium on the
 * host, idle memory, concurrent page loads), the live view of a browser session and idle memory per
 * sandbox, pause/resume, snapshots and forks, against a Warren controller started in this JVM on a temporary data directory; the
 * chaos run ({@code chaos}) against a controller in a child process that it kills; prints a table
 * per section and a summary of the targets. Everything it makes is removed at the end, also on
 * failure or Ctrl-C. Run as root.
 */
public final class Bench {
  private final Options options;
  private final Cleanup cleanup = new Cleanup();
  private final Summary summary = new Summary();

  private Bench(Options options) {
    this.options = options;
  }

  public static void main(String[] args) {
    dev.warren.Main.jvmDefaults(); // the controller runs in this JVM: the same settings as `warren serve`
    Options o;
    try {
      o = Options.parse(Arrays.asList(args));
    } catch (Options.UsageException e) {
      if (e.getMessage() != null) {
        System.err.println("warren bench: " + e.getMessage());
        System.err.print(Options.USAGE);
      } else {
        System.out.print(Options.USAGE);
      }
      System.exit(e.getMessage() == null ? 0 : 2);
      return;
    }
    if (!Machine.isRoot()) {
      System.err.println("warren bench: needs root (sandboxes use namespaces, cgroups, mounts and a bridge)");
      System.exit(2);
    }
    // before the first logger: the in-process controller logs through logback, whose level reads this
    // (a WARREN_LOG_LEVEL in the environment wins, e.g. DEBUG for the controller's timings)
    if (System.getenv("WARREN_LOG_LEVEL") == null) {
      System.setProperty("WARREN_LOG_LEVEL", o.verbose() ? "INFO" : "WARN");
    }
    System.exit(new Bench(o).run());
  }

  private int run() {
    cleanup.installHook();
    Machine.printHeader(options);
    Path dir;
    try {
      dir = Files.createTempDirectory(Path.of("/tmp"), "warren-bench-");
      // sandboxes reach their root filesystem as unprivileged uids: traversable, not listable
      Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx--x--x"));
    } catch (IOException e) {
      System.err.println("warren bench: cannot create a directory under /tmp: " + e.getMessage());
      return 1;
    }
    cleanup.push("the benchmark directory " + dir, () -> CrunFloor.deleteTree(dir));
    int code = 0;
    try {
      sections(dir);
    } catch (Cleanup.Aborted e) {
      code = 130;
    } catch (RuntimeException | InterruptedException e) {
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      summary.failures.add(e.toString());
      e.printStackTrace();
    } finally {
      if (!cleanup.run()) {
        summary.failures.add("cleanup did not finish cleanly (see above)");
      }
      cleanup.finish();
    }
    if (code == 130) {
      System.err.println("warren bench: interrupted; everything it made has been removed");
      return code;
    }
    Report.note("finished " + Instant.now() + "; load average now " + Machine.loadAverage());
    return summary.print() ? 0 : 1;
  }

  private void sections(Path dir) throws InterruptedException {
    BenchWarren w = null;
    Instance instance = null;
    Path data = dir.resolve("data");
    if (options.needsWarren()) {
      Report.title("Warren controller (in this JVM)");
      long t0 = System.nanoTime();
      w = BenchWarren.start(data);
      cleanup.push("the Warren controller", w);
      instance = w.instance();
      Report.note(String.format("started in %.0f ms: instance %s, bridge %s, subnet %s, data %s", (System.nanoTime() - t0) / 1e6,
          instance.name(), instance.bridge(), instance.subnet(), data));
    }
    // The floor's namespace is made after Warren's and closed before it, so Warren's never holds a copy of it.
    FloorSection.Open floor = options.runs("floor") ? FloorSection.open(dir.resolve("floor"), cleanup) : null;
    if (options.runs("sequential") || floor != null) {
      SequentialSection.Result r = SequentialSection.run(options.runs("sequential") ? w : null,
          floor == null ? null : floor.floor(), options, cleanup);
      summary.sequential = r.warren().orElse(null);
      summary.floor = r.floor().orElse(null);
      r.warren().ifPresent(l -> complete("sequential", l));
      r.floor().ifPresent(l -> complete("crun floor", l));
    }
    if (floor != null) {
      summary.floorLeftovers = FloorSection.close(floor);
    }
    if (options.runs("sequential")) {
      // beside the cold figures and the floor just measured, on a second controller with a warm pool
      summary.pool = PoolSection.run(dir, options, cleanup, Optional.ofNullable(summary.sequential), Optional.ofNullable(summary.floor));
      complete("from the pool", summary.pool.latencies());
    }
    if (options.runs("concurrent")) {
      ConcurrentSection.Result c = ConcurrentSection.run(w, options, cleanup);
      summary.concurrent = c;
      complete("concurrent", c.latencies());
    }
    if (options.runs("sessions")) {
      summary.sessions = SessionSection.run(w, options, cleanup);
      summary.failures.addAll(summary.sessions.failures());
    }
    if (options.runs("browsers")) {
      summary.browsers = BrowserSection.run(w, dir, options, cleanup);
      summary.failures.addAll(summary.browsers.failures());
    }
    if (options.runs("liveview")) {
      if (LiveViewSection.imageBuilt()) {
        summary.liveview = LiveViewSection.run(w, cleanup);
        summary.failures.addAll(summary.liveview.failures());
      } else {
        Report.title("Live view of a browser session");
        Report.note("skipped: the browser image is not built (./warren build browser, or any browser test builds it)");
      }
    }
    if (options.runs("previews")) {
      summary.failures.addAll(PreviewSection.run(cleanup).failures());
    }
    if (options.runs("idle")) {
      summary.idle = IdleSection.run(w, options, cleanup);
      if (!summary.idle.errors().isEmpty()) {
        summary.failures.add("idle section: " + summary.idle.errors().getFirst());
      }
    }
    if (options.runs("state")) {
      summary.state = StateSection.run(w, dir, options, cleanup);
      summary.failures.addAll(summary.state.failures());
    }
    if (options.runs("soak")) {
      summary.soak = SoakSection.run(w, options, cleanup);
    }
    if (options.runs("chaos")) {
      summary.chaos = ChaosSection.run(options, cleanup);
      summary.failures.addAll(summary.chaos.errors());
    }
    if (cleanup.aborted()) {
      // the shutdown hook is taking everything down: closing the controller here would race it
      throw new Cleanup.Aborted();
    }
    if (w != null) {
      Report.title("Teardown");
      long t0 = System.nanoTime();
      w.close();
      summary.teardownRemnants = dev.warren.testing.InstanceRemnants.of(instance, dir, data);
      Report.note(String.format("controller closed, Teardown.run and data directory removed in %.0f ms", (System.nanoTime() - t0) / 1e6));
      Report.note(summary.teardownRemnants.isEmpty()
          ? "nothing of " + instance.name() + " is left: no mounts, netns, veths, bridge, nftables tables, cgroups, processes or directories"
          : "LEFT BEHIND: " + summary.teardownRemnants);
    }
  }

  private void complete(String section, Latencies l) {
    if (!l.complete()) {
      summary.failures.add(section + ": " + l.failures() + " failure(s)" + l.cutShort().map(c -> ", " + c).orElse(""));
    }
  }
}
