package dev.warren.bench;

import dev.warren.host.Tool;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The crun floor's own mount namespace, made the way Warren makes its own (see the server's
 * {@code MountNamespace}): a shared bind mount for the containers' directories, a private one
 * holding the namespace file, then {@code unshare --propagation slave} running a script that
 * rebuilds /sys/fs/cgroup as a tmpfs with the v1 controllers only, so crun 1.8 does not refuse the
 * "hybrid" layout. Static helpers; every command's failure carries its stderr.
 */
final class FloorNamespace {
  private static final Duration T = Duration.ofSeconds(20);

  /** Same script as Warren's MountNamespace.HIDE_CGROUP2. */
  private static final String HIDE_CGROUP2 = """
      stage="$1"
      mount -t tmpfs -o mode=0755 warren-bench-cgroup "$stage"
      for entry in /sys/fs/cgroup/*; do
        name="${entry##*/}"
        [ "$name" = unified ] && continue
        if [ -L "$entry" ]; then
          ln -s "$(readlink "$entry")" "$stage/$name"
        elif mountpoint -q "$entry"; then
          mkdir "$stage/$name"
          mount --bind "$entry" "$stage/$name"
        fi
      done
      mount --move "$stage" /sys/fs/cgroup
      """;

  private FloorNamespace() {}

  static Path nsFile(Path run) {
    return run.resolve("mntns");
  }

  /** True on hosts with v1 controllers plus an empty cgroup2 mount at /sys/fs/cgroup/unified. */
  static boolean hybridCgroups() {
    String root = null;
    String unified = null;
    for (String[] m : mounts()) {
      if (m[0].equals("/sys/fs/cgroup")) {
        root = m[1];
      } else if (m[0].equals("/sys/fs/cgroup/unified")) {
        unified = m[1];
      }
    }
    return "tmpfs".equals(root) && "cgroup2".equals(unified);
  }

  static void create(Path containers, Path run) throws IOException {
    Tool.check(List.of("mount", "--bind", containers.toString(), containers.toString()), T);
    Tool.check(List.of("mount", "--make-shared", containers.toString()), T);
    Tool.check(List.of("mount", "--bind", run.toString(), run.toString()), T);
    Tool.check(List.of("mount", "--make-private", run.toString()), T);
    Files.createFile(nsFile(run));
    Path stage = Files.createDirectories(run.resolve("cgroup-stage"));
    Tool.check(List.of("unshare", "--mount=" + nsFile(run), "--propagation", "slave", "sh", "-euc", HIDE_CGROUP2,
        "warren-bench", stage.toString()), T);
  }

  /** Unmounts the namespace file and both bind mounts; a no-op for what is not mounted. */
  static void remove(Path containers, Path run) {
    for (Path p : List.of(nsFile(run), run, containers)) {
      for (int i = 0; i < 4 && isMountPoint(p); i++) {
        Tool.check(List.of("umount", p.toString()), T);
      }
    }
  }

  /** Removes the floor's (empty) parent cgroup in every controller. */
  static void removeCgroupParents(String parent) {
    Path root = Path.of("/sys/fs/cgroup");
    List<Path> dirs = new ArrayList<>(List.of(root.resolve(parent)));
    try (Stream<Path> s = Files.list(root)) {
      s.filter(c -> !Files.isSymbolicLink(c)).forEach(c -> dirs.add(c.resolve(parent)));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    for (Path d : dirs) {
      try {
        Files.deleteIfExists(d);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot remove the cgroup " + d + " (still in use?)", e);
      }
    }
  }

  static boolean isMountPoint(Path p) {
    String s = p.toString();
    return mounts().stream().anyMatch(m -> m[0].equals(s));
  }

  static boolean mountedUnder(Path root) {
    String prefix = root + "/";
    return mounts().stream().anyMatch(m -> m[0].startsWith(prefix) || m[0].equals(root.toString()));
  }

  /** (mount point, fs type) of every mount in this process's namespace. */
  private static List<String[]> mounts() {
    List<String[]> out = new ArrayList<>();
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
        int sep = line.indexOf(" - ");
        String[] head = line.split(" ");
        if (sep > 0 && head.length > 4) {
          out.add(new String[] {unescape(head[4]), line.substring(sep + 3).split(" ")[0]});
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read /proc/self/mountinfo", e);
    }
    return out;
  }

  private static String unescape(String s) {
    return s.replace("\\040", " ").replace("\\011", "\t").replace("\\012", "\n").replace("\\134", "\\");
  }
}
