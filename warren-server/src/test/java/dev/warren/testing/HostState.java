package dev.warren.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** What a sandbox or an instance leaves on the host, read the way an operator would. */
public final class HostState {
  private HostState() {}

  /** Mount points whose path contains {@code fragment}, from the host's and crun's namespaces. */
  public static List<String> mountsContaining(String fragment) {
    List<String> out = new ArrayList<>();
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
        String mp = line.split(" ")[4];
        if (mp.contains(fragment)) {
          out.add(mp);
        }
      }
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    return out;
  }

  /** The per-mount options (field 6 of /proc/self/mountinfo) of the mount at {@code mountPoint}; empty if none. */
  public static List<String> mountOptions(Path mountPoint) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
        String[] f = line.split(" ");
        if (f[4].equals(mountPoint.toString())) {
          return List.of(f[5].split(","));
        }
      }
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    return List.of();
  }

  /** Entries of /run/netns whose name contains {@code fragment}. */
  public static List<String> netnsContaining(String fragment) {
    return list(Path.of("/run/netns"), fragment);
  }

  /** Network interfaces whose name starts with {@code prefix}. */
  public static List<String> linksStartingWith(String prefix) {
    return list(Path.of("/sys/class/net"), "").stream().filter(n -> n.startsWith(prefix)).toList();
  }

  /**
   * cgroup directories of {@code sandboxId}: {@code <controller>/warren/<instance>/<id>} under cgroup
   * v1, {@code warren/<instance>/<id>} under v2. Looks the id up directly rather than walking the
   * tree, so sandboxes of other instances coming and going meanwhile do not disturb it.
   */
  public static List<String> cgroupsOf(String sandboxId) {
    Path root = Path.of("/sys/fs/cgroup");
    List<Path> parents = new ArrayList<>();
    parents.add(root.resolve("warren"));
    subdirectories(root).forEach(controller -> parents.add(controller.resolve("warren")));
    List<String> out = new ArrayList<>();
    for (Path parent : parents) {
      for (Path instance : subdirectories(parent)) {
        Path dir = instance.resolve(sandboxId);
        if (Files.isDirectory(dir)) {
          out.add(dir.toString());
        }
      }
    }
    return out;
  }

  private static List<Path> subdirectories(Path dir) {
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(Files::isDirectory).toList();
    } catch (IOException | UncheckedIOException e) {
      return List.of(); // absent, or removed while listing
    }
  }

  /**
   * Whether the kernel holds the sandbox's processes frozen, read as an operator would: v1's
   * {@code freezer.state} says {@code FROZEN}, or v2's {@code cgroup.events} says {@code frozen 1}.
   */
  public static boolean frozen(String sandboxId) {
    for (String dir : cgroupsOf(sandboxId)) {
      Path d = Path.of(dir);
      try {
        if (Files.exists(d.resolve("freezer.state"))) {
          return Files.readString(d.resolve("freezer.state")).strip().equals("FROZEN");
        }
        if (Files.exists(d.resolve("cgroup.events"))) {
          return Files.readAllLines(d.resolve("cgroup.events")).contains("frozen 1");
        }
      } catch (IOException e) {
        return false;
      }
    }
    return false;
  }

  /** CPU time the sandbox's processes used so far, in nanoseconds, from its cgroup ({@code cpuacct.usage} or {@code cpu.stat}). */
  public static long cpuNanos(String sandboxId) {
    for (String dir : cgroupsOf(sandboxId)) {
      Path d = Path.of(dir);
      try {
        if (Files.exists(d.resolve("cpuacct.usage"))) {
          return Long.parseLong(Files.readString(d.resolve("cpuacct.usage")).strip());
        }
        if (Files.exists(d.resolve("cpu.stat")) && !Files.exists(d.resolve("cpu.cfs_quota_us"))) {
          for (String l : Files.readAllLines(d.resolve("cpu.stat"))) {
            if (l.startsWith("usage_usec ")) {
              return Long.parseLong(l.substring(11).strip()) * 1000;
            }
          }
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    throw new IllegalStateException("sandbox " + sandboxId + " has no CPU accounting cgroup: " + cgroupsOf(sandboxId));
  }

  /** Host processes whose environment names the sandbox (every sandbox process carries it). */
  public static List<Long> processesOf(String sandboxId) {
    byte[] needle = ("WARREN_SANDBOX_ID=" + sandboxId).getBytes();
    return processes(proc -> indexOf(Files.readAllBytes(proc.resolve("environ")), needle) >= 0);
  }

  /**
   * Host processes in the sandbox's cgroups, whatever their environment: also a container's init
   * that crun created and never started (it has not exec'd the sandbox's init yet, so it carries
   * none of the sandbox's variables).
   */
  public static List<Long> processesInCgroupsOf(String sandboxId) {
    String marker = "/" + sandboxId + "\n";
    return processes(proc -> (Files.readString(proc.resolve("cgroup")) + "\n").contains(marker));
  }

  /** A test of a process, by its {@code /proc/<pid>} directory; a process that exits meanwhile is left out. */
  public interface ProcTest {
    boolean test(Path proc) throws IOException;
  }

  /**
   * Whether the process is a zombie reparented to the host's pid 1: it was killed and holds nothing
   * but its pid, and reaping it is pid 1's business (a CI container's pid 1 may never do it).
   */
  public static boolean orphanedZombie(Path proc) {
    return stat(proc).filter(f -> f[0].equals("Z") && f[1].equals("1")).isPresent();
  }

  /**
   * The fields of {@code /proc/<pid>/stat} after the command name (state first, then the parent's
   * pid ...), which ends at the last ')' since a name may hold spaces; empty once the process is gone.
   */
  public static java.util.Optional<String[]> stat(Path proc) {
    try {
      String stat = Files.readString(proc.resolve("stat"));
      return java.util.Optional.of(stat.substring(stat.lastIndexOf(')') + 2).split(" "));
    } catch (IOException | RuntimeException e) {
      return java.util.Optional.empty();
    }
  }

  /** Host pids of the processes that pass {@code test}, zombies left to the host's pid 1 aside. */
  public static List<Long> processes(ProcTest test) {
    List<Long> out = new ArrayList<>();
    try (Stream<Path> s = Files.list(Path.of("/proc"))) {
      s.filter(p -> p.getFileName().toString().chars().allMatch(Character::isDigit)).forEach(p -> {
        try {
          if (!orphanedZombie(p) && test.test(p)) {
            out.add(Long.parseLong(p.getFileName().toString()));
          }
        } catch (IOException e) {
          // exited
        }
      });
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    return out;
  }

  /** Network interfaces whose alias names the sandbox (Warren labels each veth it makes). */
  public static List<String> linksNaming(String sandboxId) {
    return list(Path.of("/sys/class/net"), "").stream().filter(n -> {
      try {
        return Files.readString(Path.of("/sys/class/net", n, "ifalias")).contains(sandboxId);
      } catch (IOException e) {
        return false;
      }
    }).toList();
  }

  /** Everything of the sandbox still on the host; empty when it is fully gone. */
  public static List<String> leftoversOf(String sandboxId) {
    List<String> out = new ArrayList<>();
    mountsContaining(sandboxId).forEach(m -> out.add("mount " + m));
    netnsContaining(sandboxId).forEach(n -> out.add("netns " + n));
    linksNaming(sandboxId).forEach(l -> out.add("link " + l));
    cgroupsOf(sandboxId).forEach(c -> out.add("cgroup " + c));
    processesOf(sandboxId).forEach(p -> out.add("process " + p));
    processesInCgroupsOf(sandboxId).stream().filter(p -> !out.contains("process " + p)).forEach(p -> out.add("process " + p
        + " (in its cgroups)"));
    loopDevicesBacking(sandboxId).forEach(d -> out.add("loop device " + d));
    return out;
  }

  /** {@link #leftoversOf} plus what the controller of {@code warren} keeps of it: crun's record and its directory. */
  public static List<String> leftoversOf(TestWarren warren, String sandboxId) {
    List<String> out = new ArrayList<>(leftoversOf(sandboxId));
    Path crunState = Path.of("/run/warren", warren.instanceName(), "crun", sandboxId);
    if (Files.exists(crunState)) {
      out.add("crun state " + crunState);
    }
    Path dir = warren.dataDir().resolve("sandboxes").resolve(sandboxId);
    if (Files.exists(dir)) {
      out.add("directory " + dir);
    }
    return out;
  }

  /** Loop devices ({@code /dev/loopN: backing file}) whose backing file's path contains {@code fragment}. */
  public static List<String> loopDevicesBacking(String fragment) {
    List<String> out = new ArrayList<>();
    for (String dev : list(Path.of("/sys/block"), "loop")) {
      try {
        String file = Files.readString(Path.of("/sys/block", dev, "loop", "backing_file")).strip();
        if (file.contains(fragment)) {
          out.add("/dev/" + dev + ": " + file);
        }
      } catch (IOException e) {
        // not attached
      }
    }
    return out;
  }

  private static List<String> list(Path dir, String fragment) {
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).filter(n -> n.contains(fragment)).toList();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static int indexOf(byte[] hay, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= hay.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (hay[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }
}
