package dev.warren.testing;

import dev.warren.host.Instance;
import dev.warren.host.Tool;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * What is left on the host of a Warren instance after teardown: mounts under a directory (the
 * data directory, or one holding it), network namespaces, veths and the bridge, nftables tables,
 * cgroups, processes in them, the run directory and the data directory. The answer should be
 * empty. Used by tests and by {@code ./warren bench}.
 */
public final class InstanceRemnants {
  private InstanceRemnants() {}

  /** Read the host afresh; {@code instance} as it was claimed while the instance ran. */
  public static List<String> of(Instance instance, Path under, Path dataDir) {
    List<String> out = new ArrayList<>();
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
        String mp = line.split(" ")[4];
        if (mp.startsWith(under.toString())) {
          out.add("mount " + mp);
        }
      }
    } catch (IOException e) {
      out.add("cannot read /proc/self/mountinfo: " + e.getMessage());
    }
    list(Path.of("/run/netns")).stream().filter(n -> n.startsWith(instance.name() + "-")).forEach(n -> out.add("netns " + n));
    list(Path.of("/sys/class/net")).stream().filter(n -> n.startsWith(instance.ifPrefix() + "v") || n.equals(instance.bridge()))
        .forEach(n -> out.add("link " + n));
    Tool.Result tables = Tool.run(List.of("nft", "list", "tables"), Duration.ofSeconds(10));
    for (String l : tables.stdout().split("\n")) {
      if (l.strip().endsWith(" " + instance.name())) {
        out.add("nftables " + l.strip());
      }
    }
    for (String c : list(Path.of("/sys/fs/cgroup"))) {
      Path p = Path.of("/sys/fs/cgroup", c, "warren", instance.name());
      if (Files.isDirectory(p)) {
        out.add("cgroup " + p);
      }
    }
    if (Files.isDirectory(Path.of("/sys/fs/cgroup/warren", instance.name()))) {
      out.add("cgroup /sys/fs/cgroup/warren/" + instance.name());
    }
    String marker = ":/warren/" + instance.name() + "/";
    try (Stream<Path> s = Files.list(Path.of("/proc"))) {
      s.filter(p -> p.getFileName().toString().chars().allMatch(Character::isDigit)).forEach(p -> {
        try {
          if (!HostState.orphanedZombie(p) && Files.readString(p.resolve("cgroup")).contains(marker)) {
            out.add("process " + p.getFileName());
          }
        } catch (IOException e) {
          // exited
        }
      });
    } catch (IOException e) {
      out.add("cannot list /proc: " + e.getMessage());
    }
    for (Path p : List.of(Path.of("/run/warren", instance.name()), dataDir)) {
      if (Files.exists(p)) {
        out.add("directory " + p);
      }
    }
    return out;
  }

  private static List<String> list(Path dir) {
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    } catch (IOException e) {
      return List.of();
    }
  }
}
