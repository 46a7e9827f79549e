package dev.warren.runtime.crun;

import dev.warren.runtime.RuntimeUnavailableException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** What crun needs of the host's directories and limits, checked at init. Stateless. */
final class HostChecks {
  private static final Logger log = LoggerFactory.getLogger(HostChecks.class);

  private HostChecks() {}

  /**
   * crun and the sandbox's processes reach the root filesystem as the sandbox's unprivileged root,
   * so every directory above it must be traversable by others (o+x); listing may stay denied.
   */
  static void checkTraversable(Path dir) {
    try {
      Files.createDirectories(dir);
      Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwx--x--x"));
      for (Path p = dir.toAbsolutePath().getParent(); p != null; p = p.getParent()) {
        var perms = Files.getPosixFilePermissions(p);
        if (!perms.contains(java.nio.file.attribute.PosixFilePermission.OTHERS_EXECUTE)) {
          throw new RuntimeUnavailableException("sandboxes live under " + p + ", which other users cannot traverse; sandboxes run as "
              + "unprivileged uids and must reach their root filesystem. Run: chmod o+x " + p + " (mode 0711 keeps it unlistable)");
        }
      }
    } catch (IOException e) {
      throw new RuntimeUnavailableException("cannot check the permissions above " + dir + ": " + e.getMessage(), e);
    }
  }

  static long hardNoFile() {
    try {
      for (String l : Files.readAllLines(Path.of("/proc/self/limits"))) {
        if (l.startsWith("Max open files")) {
          String[] f = l.substring(25).trim().split("\\s+");
          return f[1].equals("unlimited") ? Long.MAX_VALUE : Long.parseLong(f[1]);
        }
      }
    } catch (IOException | RuntimeException e) {
      log.debug("cannot read RLIMIT_NOFILE", e);
    }
    return 4096;
  }
}
