package dev.warren.runtime.microvm;

import dev.warren.runtime.SandboxRuntimeException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * One sandbox's VM directory, {@code <data>/microvm/<sandbox id>} (mode 0700, root's; named by the
 * sandbox, so reconciliation finds it): QEMU's pid file, its QMP and guest sockets, the serial
 * console's log, this boot's config disk and the sandbox's disk overlay. Only root can reach the
 * sockets: the directory is the lock on those doors. Stateless over the file system.
 */
record VmDir(String id, Path dir) {
  Path pidFile() {
    return dir.resolve("qemu.pid");
  }

  Path qmpSocket() {
    return dir.resolve("qmp.sock");
  }

  Path guestSocket() {
    return dir.resolve("guest.sock");
  }

  Path console() {
    return dir.resolve("console.log");
  }

  Path configDisk() {
    return dir.resolve("config.raw");
  }

  Path overlay() {
    return dir.resolve("disk.qcow2");
  }

  void create() {
    try {
      Files.createDirectories(dir.getParent());
      Files.setPosixFilePermissions(dir.getParent(), PosixFilePermissions.fromString("rwx------"));
      if (!Files.isDirectory(dir)) {
        Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
      }
      Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
    } catch (IOException e) {
      throw new SandboxRuntimeException("cannot create the VM directory " + dir + ": " + e.getMessage(), e);
    }
  }

  /** An empty console log, 0600 before QEMU opens it (QEMU would make it 0640 under root's umask). */
  void freshConsole() {
    try {
      Files.deleteIfExists(console());
      Files.createFile(console(), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    } catch (IOException e) {
      throw new SandboxRuntimeException("cannot create " + console() + ": " + e.getMessage(), e);
    }
  }

  /** The pid QEMU wrote, if its file is there and holds a number. */
  Optional<Long> pid() {
    try {
      String s = Files.readString(pidFile(), StandardCharsets.US_ASCII).strip();
      return s.matches("\\d{1,10}") ? Optional.of(Long.parseLong(s)) : Optional.empty();
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (IOException e) {
      throw new SandboxRuntimeException("cannot read " + pidFile() + ": " + e.getMessage(), e);
    }
  }

  /** What a stopped VM leaves behind but its disk: sockets, pid file, config disk. */
  void clearRunFiles() {
    for (Path p : new Path[] {pidFile(), qmpSocket(), guestSocket(), configDisk()}) {
      try {
        Files.deleteIfExists(p);
      } catch (IOException e) {
        throw new SandboxRuntimeException("cannot remove " + p + ": " + e.getMessage(), e);
      }
    }
  }

  static void deleteTree(Path root) {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> all = Files.walk(root)) {
      for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      throw new SandboxRuntimeException("cannot remove " + root + ": " + e.getMessage(), e);
    }
  }
}
