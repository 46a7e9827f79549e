package dev.warren.ops;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;

/**
 * The pid file of a background Warren ({@code $WARREN_DATA/warren.pid} unless told otherwise). A
 * pid counts only while that process lives and carries this data directory's marker on its command
 * line ({@code -Dwarren.daemon=<dir>}), so a pid reused by an unrelated process after a crash is
 * taken for what it is: a stale file.
 */
public record PidFile(Path file, Path dataDir) {

  public static PidFile of(Path dataDir, Optional<Path> custom) {
    return new PidFile(custom.orElse(dataDir.resolve("warren.pid")), dataDir);
  }

  /** The JVM option that marks a background Warren of {@code dataDir}. */
  public static String marker(Path dataDir) {
    return "-Dwarren.daemon=" + dataDir;
  }

  /** The recorded pid, whatever its state. */
  public Optional<Long> recorded() {
    try {
      return Optional.of(Long.parseLong(Files.readString(file).strip()));
    } catch (IOException | NumberFormatException e) {
      return Optional.empty();
    }
  }

  /** The live background Warren this file names; empty when there is none (no file, dead, or another process). */
  public Optional<ProcessHandle> live() {
    return recorded().flatMap(ProcessHandle::of).filter(ProcessHandle::isAlive).filter(p -> ours(p.pid()));
  }

  private boolean ours(long pid) {
    try {
      byte[] raw = Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline"));
      for (String arg : new String(raw, StandardCharsets.UTF_8).split("\0")) {
        if (arg.equals(marker(dataDir))) {
          return true;
        }
      }
      return false;
    } catch (IOException e) {
      return false;
    }
  }

  public void write(long pid) {
    try {
      Files.createDirectories(file.toAbsolutePath().getParent());
      Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
      Files.writeString(tmp, pid + "\n");
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the pid file " + file + ": " + e.getMessage(), e);
    }
  }

  /** Removes the file if it still names {@code pid} (another start may have replaced it). */
  public void removeIf(long pid) {
    if (recorded().filter(p -> p == pid).isPresent()) {
      try {
        Files.deleteIfExists(file);
      } catch (IOException e) {
        // a stale file is recognised as such later
      }
    }
  }

  public void remove() {
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      // a stale file is recognised as such later
    }
  }
}
