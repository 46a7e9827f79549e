package dev.warren.runtime.crun;

import dev.warren.host.Tool;
import dev.warren.host.ToolException;
import dev.warren.runtime.RuntimeUnavailableException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where crun runs. On hosts with cgroups in "hybrid" mode (v1 controllers plus an empty v2
 * hierarchy) crun 1.8 refuses to work unless the v2 mount is hidden. We keep one persistent mount
 * namespace per instance, pinned at {@code /run/warren/<n>/mntns}, in which a small tmpfs covers
 * {@code /sys/fs/cgroup/unified}; crun runs there through nsenter. The sandboxes directory is a
 * shared mount made before the namespace, so overlay mounts made on the host propagate into it.
 * On pure v1 or v2 hosts crun runs directly and this is a no-op.
 */
final class MountNamespace {
  private static final Logger log = LoggerFactory.getLogger(MountNamespace.class);
  private static final Duration T = Duration.ofSeconds(20);

  /**
   * Rebuilds /sys/fs/cgroup in the namespace as a tmpfs holding bind mounts of the v1 controller
   * hierarchies only, so crun finds no "unified" directory and runs in plain v1 mode.
   */
  private static final String HIDE_CGROUP2 = """
      stage="$1"
      mount -t tmpfs -o mode=0755 warren-cgroup "$stage"
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

  private final Path runDir;
  private final Path sandboxesDir;
  private final Path nsFile;
  private volatile boolean needed;

  MountNamespace(Path runDir, Path sandboxesDir) {
    this.runDir = runDir;
    this.sandboxesDir = sandboxesDir;
    this.nsFile = runDir.resolve("mntns");
  }

  static boolean hybridCgroups() {
    return hybridCgroups(MountInfo.self());
  }

  private static boolean hybridCgroups(List<MountInfo> mounts) {
    Optional<MountInfo> root = mountAt(mounts, "/sys/fs/cgroup");
    Optional<MountInfo> unified = mountAt(mounts, "/sys/fs/cgroup/unified");
    return root.map(m -> m.fsType().equals("tmpfs")).orElse(false)
        && unified.map(m -> m.fsType().equals("cgroup2")).orElse(false);
  }

  private static Optional<MountInfo> mountAt(List<MountInfo> all, String point) {
    for (int i = all.size() - 1; i >= 0; i--) {
      if (all.get(i).mountPoint().equals(point)) {
        return Optional.of(all.get(i));
      }
    }
    return Optional.empty();
  }

  /** Makes the shared sandboxes mount and, when needed, the namespace; idempotent. */
  void init() {
    try {
      Files.createDirectories(sandboxesDir);
      Files.createDirectories(runDir);
    } catch (IOException e) {
      throw new RuntimeUnavailableException("cannot create " + runDir + " or " + sandboxesDir + ": " + e.getMessage(), e);
    }
    // read once: with hundreds of sandboxes it has thousands of lines (their disks, rootfs, namespaces)
    List<MountInfo> mounts = MountInfo.self();
    needed = hybridCgroups(mounts);
    if (!needed) {
      return;
    }
    boolean sharedOk = mounts.stream()
        .anyMatch(m -> m.mountPoint().equals(sandboxesDir.toString()) && m.shared());
    boolean nsOk = mounts.stream()
        .anyMatch(m -> m.mountPoint().equals(nsFile.toString()) && m.fsType().equals("nsfs"));
    if (sharedOk && nsOk) {
      return;
    }
    if (nsOk) {
      // the namespace predates the shared mount, so host mounts would not reach it: start over
      run(List.of("umount", nsFile.toString()));
    }
    if (!sharedOk) {
      if (!MountInfo.isMountPoint(sandboxesDir)) {
        run(List.of("mount", "--bind", sandboxesDir.toString(), sandboxesDir.toString()));
      }
      run(List.of("mount", "--make-shared", sandboxesDir.toString()));
    }
    if (!MountInfo.isMountPoint(runDir)) {
      run(List.of("mount", "--bind", runDir.toString(), runDir.toString()));
    }
    run(List.of("mount", "--make-private", runDir.toString()));
    try {
      if (!Files.exists(nsFile)) {
        Files.createFile(nsFile);
      }
    } catch (IOException e) {
      throw new RuntimeUnavailableException("cannot create " + nsFile + ": " + e.getMessage(), e);
    }
    Path stage = runDir.resolve("cgroup-stage");
    try {
      Files.createDirectories(stage);
    } catch (IOException e) {
      throw new RuntimeUnavailableException("cannot create " + stage + ": " + e.getMessage(), e);
    }
    run(List.of("unshare", "--mount=" + nsFile, "--propagation", "slave", "sh", "-euc", HIDE_CGROUP2, "warren", stage.toString()));
    log.info("crun mount namespace ready at {} (hybrid cgroups: the empty v2 hierarchy is hidden from crun)", nsFile);
  }

  /** The command prefix that runs a tool where crun must run. */
  List<String> prefix() {
    return needed ? List.of("nsenter", "--mount=" + nsFile, "--") : List.of();
  }

  /** Removes the namespace and the shared mount (uninstall; no sandbox may be running). */
  void remove() {
    for (Path p : List.of(nsFile, runDir, sandboxesDir)) {
      while (MountInfo.isMountPoint(p)) {
        run(List.of("umount", p.toString()));
      }
    }
  }

  private static void run(List<String> argv) {
    try {
      Tool.check(argv, T);
    } catch (ToolException e) {
      throw new RuntimeUnavailableException("cannot prepare crun's mount namespace: " + e.getMessage(), e);
    }
  }
}
