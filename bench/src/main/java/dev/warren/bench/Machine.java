package dev.warren.bench;

import dev.warren.host.Tool;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/** Facts about the host printed with the figures, since they only mean something next to them. */
final class Machine {
  private Machine() {}

  static boolean isRoot() {
    try {
      for (String l : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (l.startsWith("Uid:")) {
          return l.split("\\s+")[2].equals("0");
        }
      }
    } catch (IOException e) {
      return false;
    }
    return false;
  }

  static String loadAverage() {
    String s = read("/proc/loadavg");
    String[] f = s.split(" ");
    return f.length >= 3 ? f[0] + " " + f[1] + " " + f[2] : s;
  }

  static void printHeader(Options o) {
    Report.title("Warren sandbox benchmark");
    StringBuilder with = new StringBuilder(o.command());
    if (o.runs("sequential") || o.runs("floor")) {
      with.append(", iterations ").append(o.iterations()).append(", warm-up ").append(o.warmup());
    }
    if (o.runs("concurrent")) {
      with.append(", concurrency ").append(o.concurrency());
    }
    if (o.runs("sessions")) {
      with.append(", session warm-up ").append(o.sessionWarmup());
    }
    if (o.runs("browsers")) {
      Options.Browsers b = o.browsers();
      with.append(", browsers: iterations ").append(b.iterations()).append(", warm-up ").append(b.warmup()).append(", pool ")
          .append(b.pool()).append(", idle ").append(b.idle()).append(", concurrency ").append(b.concurrency());
    }
    if (o.runs("idle")) {
      with.append(", idle ").append(o.idle());
    }
    if (o.runs("chaos")) {
      Options.ChaosRun c = o.chaos();
      with.append(", clients ").append(o.clients()).append(c.killing() ? ", kills " + c.kills() + ", population " + c.population() : "")
          .append(c.faults() ? ", faults" : "").append(o.soakBrowsers() ? "" : ", no browsers");
    }
    Report.note("started " + Instant.now() + " with: " + with + (o.skipFloor() ? ", floor skipped" : ""));
    Report.note("host: " + read("/proc/sys/kernel/hostname") + ", Linux " + read("/proc/sys/kernel/osrelease") + ", "
        + Runtime.getRuntime().availableProcessors() + " CPUs, " + memTotal() + ", load average " + loadAverage());
    Report.note("cgroups: " + cgroupMode() + "; " + firstLine(List.of("crun", "--version")) + "; Java "
        + Runtime.version() + "; " + firstLine(List.of("uname", "-m")));
    Report.note("the figures include whatever else runs on this host at the same time (see the load averages)");
  }

  private static String cgroupMode() {
    if (Files.exists(Path.of("/sys/fs/cgroup/cgroup.controllers"))) {
      return "v2";
    }
    return FloorNamespace.hybridCgroups() ? "v1 + empty v2 (hybrid; crun runs in a namespace hiding v2)" : "v1";
  }

  private static String memTotal() {
    for (String l : read("/proc/meminfo").split("\n")) {
      if (l.startsWith("MemTotal:")) {
        long kb = Long.parseLong(l.replaceAll("[^0-9]", ""));
        return String.format("%.1f GiB RAM", kb / 1024.0 / 1024.0);
      }
    }
    return "? RAM";
  }

  private static String firstLine(List<String> argv) {
    try {
      Tool.Result r = Tool.run(argv, Duration.ofSeconds(10));
      return r.stdout().lines().findFirst().orElse("?").strip();
    } catch (RuntimeException e) {
      return argv.getFirst() + ": " + e.getMessage();
    }
  }

  private static String read(String file) {
    try {
      return Files.readString(Path.of(file)).strip();
    } catch (IOException e) {
      return "?";
    }
  }
}
