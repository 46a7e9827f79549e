package dev.warren.runtime.crun;

import dev.warren.runtime.RuntimeUnavailableException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

/**
 * The scripts every sandbox sees read-only at {@code /.warren}: its init, Warren's agent and the
 * session shell driver. Installed from the jar at every start by atomic rename, so a shell that
 * is reading the old copy keeps its old file.
 */
final class Helpers {
  static final List<String> FILES = List.of("init.sh", "agent.sh", "session.sh", "terminal.py");

  private Helpers() {}

  static void install(Path dir) {
    try {
      Files.createDirectories(dir);
      Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
      for (String name : FILES) {
        try (InputStream in = Helpers.class.getResourceAsStream("/dev/warren/helpers/" + name)) {
          if (in == null) {
            continue;
          }
          byte[] content = in.readAllBytes();
          Path target = dir.resolve(name);
          if (Files.isRegularFile(target) && java.util.Arrays.equals(Files.readAllBytes(target), content)) {
            // unchanged: writing nothing lets a controller start (or a teardown run) on a full disk
            Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rw-r--r--"));
            continue;
          }
          Path tmp = dir.resolve("." + name + ".tmp");
          Files.write(tmp, content);
          Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-r--r--"));
          Files.move(tmp, dir.resolve(name), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        }
      }
    } catch (IOException e) {
      throw new RuntimeUnavailableException("cannot install the sandbox helpers in " + dir + ": " + e.getMessage(), e);
    }
  }
}
