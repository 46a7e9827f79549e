package dev.warren.runtime.crun;

import java.nio.file.Path;

/**
 * A sandbox's directory under the instance's sandboxes directory. {@code upper} and {@code work}
 * hold its own changes and survive stop/start; the rest is rebuilt at every start.
 */
record SandboxDirs(Path root) {
  Path upper() {
    return root.resolve("upper");
  }

  Path work() {
    return root.resolve("work");
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
