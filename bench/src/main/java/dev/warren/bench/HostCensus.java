package dev.warren.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Counts what a set of sandboxes has on the host, read the way an operator would: mount points
 * (in the host's namespace and in crun's), network namespaces, veth links, cgroup directories,
 * crun containers, sandbox directories and processes. Compared before and after, it shows whether
 * anything was left behind.
 */
record HostCensus(int mounts, int nsMounts, int netns, int links, int cgroups, int containers, int dirs, int processes) {
  private static final Path CGROUP_ROOT = Path.of("/sys/fs/cgroup");
  private static final String POOL = ".pool-";

  /**
   * Where to look.
   *
   * @param mountFragment a mount point counts when its path contains this
   * @param mountNs crun's mount namespace file, if crun runs in one
   * @param netnsPrefix entries of /run/netns with this prefix count
   * @param linkPrefix network interfaces with this prefix count
   * @param cgroupParent e.g. {@code warren/warren3}: its subdirectories count, in every controller
   * @param crunRoot crun's state directory: one entry per container
   * @param dirsRoot one subdirectory per sandbox
   *
   * <p>The controller's pool of ready disks ({@code .pool-*} under {@code dirsRoot}, each with its
   * mount) is not counted: the pool refills itself after creates, by design, and the teardown check
   * that follows every run proves it is removed with the instance.
   */
  record Scope(String mountFragment, Optional<Path> mountNs, Optional<String> netnsPrefix, Optional<String> linkPrefix,
      String cgroupParent, Path crunRoot, Path dirsRoot) {}

  static HostCensus take(Scope s) {
    return new HostCensus(
        mountsContaining(Path.of("/proc/self/mountinfo"), s.mountFragment()),
        s.mountNs().filter(Files::exists).map(ns -> nsMountsContaining(ns, s.mountFragment())).orElse(0),
        s.netnsPrefix().map(p -> entries(Path.of("/run/netns"), p)).orElse(0),
        s.linkPrefix().map(p -> entries(Path.of("/sys/class/net"), p)).orElse(0),
        cgroupDirs(s.cgroupParent()),
        entries(s.crunRoot(), ""),
        (int) names(s.dirsRoot()).filter(n -> !n.startsWith(POOL)).count(),
        processesIn("/" + s.cgroupParent() + "/"));
  }

  /** Names of the counts that are higher than in {@code before}, with both figures. */
  List<String> growthSince(HostCensus before) {
    List<String> out = new ArrayList<>();
    String[] names = labels();
    int[] now = values();
    int[] then = before.values();
    for (int i = 0; i < now.length; i++) {
      if (now[i] > then[i]) {
        out.add(names[i] + " " + then[i] + " -> " + now[i]);
      }
    }
    return out;
  }

  static void print(List<String> rowNames, List<HostCensus> rows) {
    List<List<String>> table = new ArrayList<>();
    List<String> header = new ArrayList<>(List.of("host resources"));
    header.addAll(List.of(labels()));
    table.add(header);
    for (int r = 0; r < rows.size(); r++) {
      List<String> row = new ArrayList<>(List.of(rowNames.get(r)));
      for (int v : rows.get(r).values()) {
        row.add(Integer.toString(v));
      }
      table.add(row);
    }
    Report.table(table);
  }

  private static String[] labels() {
    return new String[] {"mounts", "crun-ns mounts", "netns", "veths", "cgroup dirs", "crun containers", "dirs", "processes"};
  }

  private int[] values() {
    return new int[] {mounts, nsMounts, netns, links, cgroups, containers, dirs, processes};
  }

  private static int mountsContaining(Path mountinfo, String fragment) {
    try {
      return (int) Files.readAllLines(mountinfo).stream().map(l -> l.split(" ")).filter(f -> f.length > 4)
          .filter(f -> f[4].contains(fragment) && !f[4].contains("/" + POOL)).count();
    } catch (IOException e) {
      return 0;
    }
  }

  /** Reads the mount table of crun's namespace by running {@code cat} inside it. */
  private static int nsMountsContaining(Path ns, String fragment) {
    try {
      Path tmp = Files.createTempFile("bench-mountinfo", ".txt");
      try {
        Process p = new ProcessBuilder("nsenter", "--mount=" + ns, "--", "cat", "/proc/self/mountinfo")
            .redirectOutput(tmp.toFile()).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        if (!p.waitFor(Duration.ofSeconds(10).toMillis(), TimeUnit.MILLISECONDS)) {
          p.destroyForcibly();
          return -1;
        }
        return p.exitValue() == 0 ? mountsContaining(tmp, fragment) : -1;
      } finally {
        Files.deleteIfExists(tmp);
      }
    } catch (IOException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  private static int entries(Path dir, String prefix) {
    return (int) names(dir).filter(n -> n.startsWith(prefix)).count();
  }

  private static Stream<String> names(Path dir) {
    if (!Files.isDirectory(dir)) {
      return Stream.empty();
    }
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).toList().stream();
    } catch (IOException e) {
      return Stream.empty();
    }
  }

  private static int cgroupDirs(String parent) {
    List<Path> parents = new ArrayList<>();
    if (Files.exists(CGROUP_ROOT.resolve("cgroup.controllers"))) {
      parents.add(CGROUP_ROOT.resolve(parent));
    } else {
      try (Stream<Path> s = Files.list(CGROUP_ROOT)) {
        s.filter(c -> !Files.isSymbolicLink(c)).forEach(c -> parents.add(c.resolve(parent)));
      } catch (IOException e) {
        return 0;
      }
    }
    int n = 0;
    for (Path p : parents) {
      try (Stream<Path> s = Files.list(p)) {
        n += (int) s.filter(Files::isDirectory).count();
      } catch (IOException e) {
        // this controller has no such parent
      }
    }
    return n;
  }

  private static int processesIn(String cgroupMarker) {
    try (Stream<Path> s = Files.list(Path.of("/proc"))) {
      return (int) s.filter(p -> p.getFileName().toString().chars().allMatch(Character::isDigit)).filter(p -> {
        try {
          return Files.readString(p.resolve("cgroup")).contains(":" + cgroupMarker);
        } catch (IOException e) {
          return false;
        }
      }).count();
    } catch (IOException e) {
      return -1;
    }
  }
}
