package dev.warren.runtime.crun;

import dev.warren.host.Instance;
import dev.warren.host.Syscalls;
import dev.warren.runtime.SandboxRuntimeException;
import dev.warren.runtime.Usage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * Reads, freezes and cleans up a sandbox's cgroups, in v1 (per-controller trees) or v2 (unified)
 * layout. On the hybrid hosts Warren runs on the freezer is v1's {@code freezer} hierarchy (crun's
 * containers live there, since crun runs in a mount namespace that hides the empty v2 tree).
 * Stateless: every call reads the cgroup filesystem afresh; safe from any thread.
 */
final class Cgroups {
  private static final Path ROOT = Path.of("/sys/fs/cgroup");
  private static final List<String> V1_CONTROLLERS = List.of("memory", "pids", "cpu", "cpuacct", "cpuset", "devices",
      "freezer", "blkio", "net_cls", "net_prio", "perf_event", "hugetlb", "systemd", "rdma", "misc");

  private final Instance instance;
  private final boolean v2;

  Cgroups(Instance instance) {
    this.instance = instance;
    this.v2 = Files.exists(ROOT.resolve("cgroup.controllers"));
  }

  private String rel(String id) {
    return OciSpec.cgroupPath(instance, id).substring(1);
  }

  /** Every cgroup directory the sandbox has on the host (one per v1 controller, or one in v2). */
  List<Path> dirs(String id) {
    List<Path> out = new ArrayList<>();
    if (v2) {
      Path p = ROOT.resolve(rel(id));
      if (Files.isDirectory(p)) {
        out.add(p);
      }
      return out;
    }
    for (String c : V1_CONTROLLERS) {
      Path p = ROOT.resolve(c).resolve(rel(id));
      if (Files.isDirectory(p)) {
        out.add(p);
      }
    }
    return out;
  }

  /** Host pids of every process in the sandbox. */
  List<Long> pids(String id) {
    Path procs = v2 ? ROOT.resolve(rel(id)).resolve("cgroup.procs") : ROOT.resolve("pids").resolve(rel(id)).resolve("cgroup.procs");
    List<Long> out = new ArrayList<>();
    try {
      for (String l : Files.readAllLines(procs)) {
        if (!l.isBlank()) {
          out.add(Long.parseLong(l.strip()));
        }
      }
    } catch (IOException | NumberFormatException e) {
      // the sandbox is gone
    }
    return out;
  }

  Optional<Usage> usage(String id) {
    try {
      if (v2) {
        Path d = ROOT.resolve(rel(id));
        long mem = Long.parseLong(Files.readString(d.resolve("memory.current")).strip());
        long cpu = 0;
        for (String l : Files.readAllLines(d.resolve("cpu.stat"))) {
          if (l.startsWith("usage_usec ")) {
            cpu = Long.parseLong(l.substring(11).strip()) * 1000;
          }
        }
        int pids = Integer.parseInt(Files.readString(d.resolve("pids.current")).strip());
        return Optional.of(new Usage(mem, cpu, pids));
      }
      long mem = Long.parseLong(Files.readString(ROOT.resolve("memory").resolve(rel(id)).resolve("memory.usage_in_bytes")).strip());
      long cpu = Long.parseLong(Files.readString(ROOT.resolve("cpuacct").resolve(rel(id)).resolve("cpuacct.usage")).strip());
      int pids = Integer.parseInt(Files.readString(ROOT.resolve("pids").resolve(rel(id)).resolve("pids.current")).strip());
      return Optional.of(new Usage(mem, cpu, pids));
    } catch (IOException | NumberFormatException e) {
      return Optional.empty();
    }
  }

  /** How many processes the kernel killed in the sandbox for its memory limit so far. */
  long oomKills(String id) {
    try {
      Path f = v2 ? ROOT.resolve(rel(id)).resolve("memory.events") : ROOT.resolve("memory").resolve(rel(id)).resolve("memory.oom_control");
      for (String l : Files.readAllLines(f)) {
        if (l.startsWith("oom_kill ")) {
          return Long.parseLong(l.substring(9).strip());
        }
      }
    } catch (IOException | NumberFormatException e) {
      return 0;
    }
    return 0;
  }

  /**
   * SIGKILLs every process in the sandbox's cgroups, whoever started it: a container crun no
   * longer knows (a {@code crun create} killed before it recorded it, a wiped state directory), an
   * init whose start never came, anything that escaped. The freezer holds them first, so none
   * forks a replacement between the reading of the list and the kill. Returns the processes still
   * there after {@code wait} (a process stuck in the kernel), empty when all are gone.
   */
  List<Long> killAll(String id, Duration wait) {
    long deadline = System.nanoTime() + wait.toNanos();
    List<Long> left = allPids(id);
    while (!left.isEmpty()) {
      Optional<Path> freezer = freezer(id);
      freezer.ifPresent(f -> write(f, v2 ? "1" : "FROZEN"));
      for (long pid : allPids(id)) {
        Syscalls.kill(pid, 9);
      }
      // killed while frozen, they die as soon as they thaw
      freezer.ifPresent(f -> write(f, v2 ? "0" : "THAWED"));
      for (int i = 0; i < 10 && !(left = allPids(id)).isEmpty(); i++) {
        sleep(10);
      }
      if (System.nanoTime() > deadline) {
        break;
      }
    }
    return left;
  }

  /**
   * Freezes every process of the sandbox (cgroup v1 {@code freezer.state}, v2 {@code cgroup.freeze})
   * and waits, at most {@code wait}, until the kernel says all are frozen: a task busy in the kernel
   * is frozen only when it leaves it. Past the wait the sandbox is thawed again and the call fails.
   * Idempotent.
   */
  void freeze(String id, Duration wait) {
    Path f = freezer(id).orElseThrow(() -> new SandboxRuntimeException("sandbox " + id + " has no freezer cgroup (it is not running)"));
    long deadline = System.nanoTime() + wait.toNanos();
    for (int i = 0; ; i++) {
      if (!v2 && i % 50 == 49) {
        // v1 misses a task forked while the group is freezing, and may stay FREEZING: a short thaw lets it settle (runc does the same)
        writeOrFail(f, "THAWED", id);
        sleep(10);
      }
      // v1: writing FROZEN again freezes the tasks the last write missed
      writeOrFail(f, v2 ? "1" : "FROZEN", id);
      if (frozen(id)) {
        return;
      }
      if (System.nanoTime() > deadline) {
        writeOrFail(f, v2 ? "0" : "THAWED", id);
        throw new SandboxRuntimeException("the processes of " + id + " were not all frozen within " + wait.toMillis()
            + " ms (one is busy in the kernel); it was thawed again, try again");
      }
      sleep(1);
    }
  }

  /** Thaws the sandbox's processes; idempotent, and nothing to do when it has no freezer cgroup (it is gone). */
  void thaw(String id) {
    Optional<Path> f = freezer(id);
    if (f.isPresent()) {
      writeOrFail(f.get(), v2 ? "0" : "THAWED", id);
    }
  }

  /** Whether the sandbox's processes are frozen now (v1: {@code FROZEN}; v2: {@code frozen 1} in {@code cgroup.events}). */
  boolean frozen(String id) {
    try {
      if (v2) {
        return Files.readAllLines(ROOT.resolve(rel(id)).resolve("cgroup.events")).contains("frozen 1");
      }
      return Files.readString(ROOT.resolve("freezer").resolve(rel(id)).resolve("freezer.state")).strip().equals("FROZEN");
    } catch (IOException e) {
      return false;
    }
  }

  private static void writeOrFail(Path file, String value, String id) {
    try {
      Files.writeString(file, value);
    } catch (IOException e) {
      throw new SandboxRuntimeException("cannot write " + value + " to " + file + " for sandbox " + id + ": " + e.getMessage(), e);
    }
  }

  /** The freezer's control file of the sandbox's cgroup, when it has one. */
  private Optional<Path> freezer(String id) {
    Path f = v2 ? ROOT.resolve(rel(id)).resolve("cgroup.freeze") : ROOT.resolve("freezer").resolve(rel(id)).resolve("freezer.state");
    return Files.exists(f) ? Optional.of(f) : Optional.empty();
  }

  /** Host pids in any of the sandbox's cgroups (every controller hierarchy, nested groups too). */
  List<Long> allPids(String id) {
    Set<Long> out = new TreeSet<>();
    for (Path d : dirs(id)) {
      try (Stream<Path> tree = Files.walk(d)) {
        for (Path procs : tree.filter(p -> p.getFileName().toString().equals("cgroup.procs")).toList()) {
          for (String l : Files.readAllLines(procs)) {
            if (!l.isBlank()) {
              out.add(Long.parseLong(l.strip()));
            }
          }
        }
      } catch (IOException | UncheckedIOException | NumberFormatException e) {
        // removed meanwhile
      }
    }
    return new ArrayList<>(out);
  }

  /**
   * Removes the sandbox's cgroup directories (nested ones first), retrying for up to {@code wait}
   * while the kernel finishes with processes that just died; true when none is left.
   */
  boolean remove(String id, Duration wait) {
    long deadline = System.nanoTime() + wait.toNanos();
    while (true) {
      boolean clean = true;
      for (Path d : dirs(id)) {
        try (Stream<Path> tree = Files.walk(d)) {
          for (Path p : tree.filter(Files::isDirectory).sorted(Comparator.reverseOrder()).toList()) {
            Files.deleteIfExists(p);
          }
        } catch (IOException | UncheckedIOException e) {
          clean = false;
        }
      }
      if (clean || System.nanoTime() > deadline) {
        return clean;
      }
      sleep(20);
    }
  }

  private static void write(Path file, String value) {
    try {
      Files.writeString(file, value);
    } catch (IOException e) {
      // gone meanwhile; the kill below does without it
    }
  }

  /** This instance's parent cgroup in every hierarchy: the sandboxes' cgroups are below them. */
  private List<Path> parents() {
    List<Path> parents = new ArrayList<>();
    if (v2) {
      parents.add(ROOT.resolve("warren").resolve(instance.name()));
    } else {
      for (String c : V1_CONTROLLERS) {
        parents.add(ROOT.resolve(c).resolve("warren").resolve(instance.name()));
      }
    }
    return parents;
  }

  /**
   * The CPU weight of every sandbox together against the host's own processes, the controller
   * among them: a quarter of one process's ({@code cpu.shares} 256 of 1024 in v1, {@code cpu.weight}
   * 25 of 100 in v2), on the {@code warren} cgroup all instances' sandboxes live under. It counts
   * only while the CPUs are short: sandboxes busy with work (a Chromium starting, a build) then no
   * longer slow down the controller, whose restart after a kill every tenant is waiting for, nor
   * does one tenant's work slow the API every other tenant uses. Between sandboxes nothing changes
   * (each still has its own limit and the same weight as its siblings).
   */
  static final int CPU_SHARES = 256;
  static final int CPU_WEIGHT = 25;

  /**
   * Gives the {@code warren} cgroup its CPU weight ({@link #CPU_SHARES}) unless it has it: at the
   * runtime's start and after each sandbox's cgroup is made (crun makes the parent when it is
   * missing, and then with the default weight; in v2 the weight file exists only once crun has
   * enabled the cpu controller down to it). A host without the cpu controller is left alone.
   * Returns the weight it found or set, empty when there is no such file (yet).
   */
  Optional<Integer> weighSandboxes() {
    Path dir = v2 ? ROOT.resolve("warren") : ROOT.resolve("cpu").resolve("warren");
    Path file = dir.resolve(v2 ? "cpu.weight" : "cpu.shares");
    int want = v2 ? CPU_WEIGHT : CPU_SHARES;
    try {
      if (!v2 && !Files.isDirectory(dir) && Files.isDirectory(ROOT.resolve("cpu"))) {
        Files.createDirectories(dir);
      }
      if (!Files.isRegularFile(file)) {
        return Optional.empty();
      }
      if (Integer.parseInt(Files.readString(file).strip()) != want) {
        Files.writeString(file, Integer.toString(want));
      }
      return Optional.of(want);
    } catch (IOException | NumberFormatException e) {
      throw new SandboxRuntimeException("cannot set the CPU weight of the sandboxes in " + file + ": " + e.getMessage(), e);
    }
  }

  /** Removes this instance's (empty) parent cgroups. */
  void removeParents() {
    for (Path p : parents()) {
      try {
        Files.deleteIfExists(p);
        // the shared "warren" parent goes too once no instance uses it
        Files.deleteIfExists(p.getParent());
      } catch (IOException e) {
        // still in use by a sandbox or another instance
      }
    }
  }

  /** Ids of sandboxes of this instance that have a cgroup in any hierarchy. */
  Set<String> ids() {
    Set<String> out = new TreeSet<>();
    for (Path parent : parents()) {
      if (!Files.isDirectory(parent)) {
        continue;
      }
      try (var s = Files.list(parent)) {
        s.filter(Files::isDirectory).forEach(p -> out.add(p.getFileName().toString()));
      } catch (IOException | UncheckedIOException e) {
        // removed meanwhile
      }
    }
    return out;
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
