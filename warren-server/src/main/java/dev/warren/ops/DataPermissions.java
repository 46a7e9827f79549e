package dev.warren.ops;

import dev.warren.config.Config;
import dev.warren.host.FileModes;
import dev.warren.host.Syscalls;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Who may read the data directory from the host. It holds the store (upstream proxy passwords,
 * sandboxes' environments), the API token, the signing secret, logs, backups, dashboard sessions
 * and profiles, so all of it is the controller's alone: directories 0700, files 0600. The
 * controller runs with umask 077 ({@link #restrictUmask}, set by {@code warren serve} before it
 * writes anything), and {@link #repair} brings back to that what an older Warren, a restore or an
 * operator left more open, with a warning naming each path. Left as they are: {@code $WARREN_DATA}
 * itself and {@code sandboxes/} (0711: sandboxes run as unprivileged host uids, and crun must
 * traverse them to reach each root filesystem; each sandbox's own directory is the runtime's to
 * check), {@code helpers/} (0755, read-only at {@code /.warren} in every sandbox, not secret), the
 * user images' trees (their top 0700) and
 * the golden images (shared, not secret) when {@code WARREN_IMAGES} lies inside.
 */
public final class DataPermissions {
  private static final Logger log = LoggerFactory.getLogger(DataPermissions.class);
  /** The controller's umask: nothing it makes is readable, writable or searchable by group or others. */
  public static final int UMASK = 0077;
  private static final Set<PosixFilePermission> GROUP_AND_OTHERS = EnumSet.of(PosixFilePermission.GROUP_READ,
      PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.OTHERS_READ,
      PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_EXECUTE);
  private static final Set<PosixFilePermission> TRAVERSE_ONLY = EnumSet.of(PosixFilePermission.GROUP_READ,
      PosixFilePermission.GROUP_WRITE, PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_WRITE);
  /**
   * Not walked: sandboxes' and snapshot layers' trees hold the modes their sandboxes gave their files,
   * and user images' trees the modes their layers say (each directory secures its own top: the
   * sandboxes' dirs, and {@code layers/} and {@code user-images/}, 0700). Stripping an image's files
   * would leave a sandbox's non-root users unable to run its programs, and a build step's tree
   * shares its files with its parent's.
   */
  private static final Set<String> NOT_SECRET = Set.of("sandboxes", "helpers", "layers", "user-images");
  private static final int MAX_NAMED = 40;

  private DataPermissions() {}

  /** Sets the process's umask to {@link #UMASK}; call before the controller writes its first file (log, pid, console). */
  public static void restrictUmask() {
    Syscalls.umask(UMASK);
  }

  /**
   * Closes what is more open than it should be in the data directory, the SQLite database (and its
   * -wal, -shm and -journal files) wherever it lives, and Warren's own files in a log directory
   * outside it; logs a warning naming every path changed and returns them ("path mode -> mode").
   */
  public static List<String> repair(Config config) {
    List<String> changed = new ArrayList<>();
    Path data = config.dataDir();
    try {
      if (Files.isDirectory(data, LinkOption.NOFOLLOW_LINKS)) {
        strip(data, TRAVERSE_ONLY, changed);
        Path sandboxes = data.resolve("sandboxes");
        if (Files.isDirectory(sandboxes, LinkOption.NOFOLLOW_LINKS)) {
          strip(sandboxes, TRAVERSE_ONLY, changed);
        }
        try (var entries = Files.list(data)) {
          for (Path p : entries.toList()) {
            if (!NOT_SECRET.contains(p.getFileName().toString()) && !config.imagesDir().startsWith(p)) {
              privateTree(p, changed);
            }
          }
        }
      }
      sqliteFile(config).ifPresent(db -> {
        for (String suffix : List.of("", "-wal", "-shm", "-journal")) {
          privateFile(db.resolveSibling(db.getFileName() + suffix), changed);
        }
      });
      Optional<Path> logs = config.logging().dir().filter(d -> !d.startsWith(data));
      if (logs.isPresent() && Files.isDirectory(logs.get(), LinkOption.NOFOLLOW_LINKS)) {
        strip(logs.get(), GROUP_AND_OTHERS, changed);
        try (var entries = Files.list(logs.get())) {
          entries.filter(p -> p.getFileName().toString().startsWith("warren")).forEach(p -> privateFile(p, changed));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot check the permissions of the data directory " + data + ": " + e.getMessage(), e);
    }
    if (!changed.isEmpty()) {
      log.warn("other users could read or change these files of Warren's; their modes were repaired: {}{}",
          String.join(", ", changed.subList(0, Math.min(MAX_NAMED, changed.size()))),
          changed.size() > MAX_NAMED ? " and " + (changed.size() - MAX_NAMED) + " more" : "");
    }
    return changed;
  }

  private static Optional<Path> sqliteFile(Config config) {
    String url = config.jdbcUrl();
    return url.startsWith("jdbc:sqlite:") ? Optional.of(Path.of(url.substring("jdbc:sqlite:".length())).toAbsolutePath())
        : Optional.empty();
  }

  /** A file or directory tree, not following symbolic links and not crossing into other filesystems. */
  private static void privateTree(Path top, List<String> changed) throws IOException {
    if (Files.isSymbolicLink(top)) {
      return;
    }
    Object device = Files.getAttribute(top, "unix:dev", LinkOption.NOFOLLOW_LINKS);
    Files.walkFileTree(top, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
        if (!device.equals(Files.getAttribute(dir, "unix:dev", LinkOption.NOFOLLOW_LINKS))) {
          return FileVisitResult.SKIP_SUBTREE;
        }
        strip(dir, GROUP_AND_OTHERS, changed);
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
        if (attrs.isRegularFile()) {
          strip(file, GROUP_AND_OTHERS, changed);
        }
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult visitFileFailed(Path file, IOException e) {
        // gone meanwhile (a log rolled over)
        return FileVisitResult.CONTINUE;
      }
    });
  }

  private static void privateFile(Path p, List<String> changed) {
    try {
      if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
        strip(p, GROUP_AND_OTHERS, changed);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot repair the mode of " + p + ": " + e.getMessage(), e);
    }
  }

  /** Removes {@code bits} from the mode of {@code p} (never a symbolic link's target) and records the change. */
  private static void strip(Path p, Set<PosixFilePermission> bits, List<String> changed) throws IOException {
    if (Files.isSymbolicLink(p)) {
      return;
    }
    Set<PosixFilePermission> now = Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS);
    Set<PosixFilePermission> wanted = EnumSet.noneOf(PosixFilePermission.class);
    wanted.addAll(now);
    wanted.removeAll(bits);
    if (!wanted.equals(now)) {
      Files.setPosixFilePermissions(p, wanted);
      changed.add(p + " " + FileModes.octal(FileModes.mode(now)) + " -> " + FileModes.octal(FileModes.mode(wanted)));
    }
  }
}
