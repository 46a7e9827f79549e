package dev.warren.runtime.crun;

import java.nio.file.Path;

/**
 * A sandbox's directory under the instance's sandboxes directory. The sandbox's own changes (the
 * overlay's upper and work directories) live on its disk: the filesystem image {@code disk.img},
 * mounted at {@code disk/} while it runs. Sandboxes made before disk limits keep them in
 * {@code upper/} and {@code work/} beside it. Both survive stop/start; the rest is rebuilt at every
 * start.
 */
record SandboxDirs(Path root) {
  /** The upper directory of a sandbox without a disk of its own (made before disk limits). */
  Path upper() {
    return root.resolve("upper");
  }

  Path work() {
    return root.resolve("work");
  }

  /** The sandbox's disk: a filesystem image whose size is its limit. */
  Path diskImage() {
    return root.resolve("disk.img");
  }

  /** Where the disk is mounted; it holds {@code upper/} and {@code work/}. */
  Path disk() {
    return root.resolve("disk");
  }

  /** The loop device the disk was last attached to ({@code /dev/loopN}). */
  Path diskDevice() {
    return root.resolve("disk.dev");
  }

  Path lower() {
    return root.resolve("lower");
  }

  Path rootfs() {
    return root.resolve("rootfs");
  }

  Path bundle() {
    return root.resolve("bundle");
  }

  Path etc() {
    return root.resolve("etc");
  }

  Path initLog() {
    return root.resolve("init.log");
  }

  Path pidFile() {
    return bundle().resolve("init.pid");
  }
}
