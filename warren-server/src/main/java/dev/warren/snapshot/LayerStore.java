package dev.warren.snapshot;

import dev.warren.host.Tool;
import dev.warren.host.ToolException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The snapshot layers of an instance: {@code <data>/layers/<sha256 hex>/}, each the tree of one
 * layer, written once and never again. A layer is copied into {@code .tmp-<snapshot id>} and
 * renamed to its digest when complete, so a layer directory is never half there.
 *
 * <p>Who may reach it: {@code layers/} is root's, mode 0700: no host user and no sandbox uid
 * can traverse it. Sandboxes see a layer only through their overlay's idmapped, read-only lower.
 *
 * <p>The digest covers everything a sandbox over the layer sees: names, types, modes, owners,
 * times, xattrs (overlay's whiteouts and opaque markers among them) and contents, as GNU tar's
 * sorted, numeric-owner POSIX archive of the tree. Stateless apart from the directory; callers
 * serialise renames and removals ({@link SnapshotCatalog}).
 */
record LayerStore(Path dir) {
  static final String TMP = ".tmp-";
  private static final Duration TOOL_TIMEOUT = Duration.ofMinutes(30);

  /** Creates the directory (root's, 0700) or gives it that owner and mode. */
  void init() {
    try {
      dev.warren.host.FileModes.privateDirectory(dir);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot prepare the snapshot layers directory " + dir, e);
    }
  }

  Path path(String digest) {
    return dir.resolve(digest);
  }

  /** Where the layer of the snapshot {@code snapshotId} is copied before it has a digest; {@code suffix} for a second copy. */
  Path temporary(String snapshotId, String suffix) {
    return dir.resolve(TMP + snapshotId + suffix);
  }

  /** The hex SHA-256 of the layer at {@code tree}. */
  static String digest(Path tree) {
    List<String> argv = List.of("tar", "--create", "--file=-", "--directory=" + tree, "--sort=name", "--numeric-owner", "--format=posix",
        "--xattrs", "--xattrs-include=*", "--pax-option=delete=atime,delete=ctime", ".");
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      Process p = new ProcessBuilder(argv).redirectError(ProcessBuilder.Redirect.PIPE).start();
      p.getOutputStream().close();
      var stderr = Thread.ofVirtual().start(() -> {
        try {
          p.getErrorStream().transferTo(java.io.OutputStream.nullOutputStream());
        } catch (IOException ignored) {
          // the exit code reports a failure
        }
      });
      try (InputStream in = p.getInputStream()) {
        byte[] buf = new byte[1 << 16];
        for (int n; (n = in.read(buf)) > 0; ) {
          sha.update(buf, 0, n);
        }
      }
      if (!p.waitFor(TOOL_TIMEOUT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new SnapshotException(dev.warren.error.Problem.UNAVAILABLE, "reading the layer " + tree + " for its digest took too long");
      }
      stderr.join();
      if (p.exitValue() != 0) {
        throw new SnapshotException(dev.warren.error.Problem.UNAVAILABLE, "tar could not read the layer " + tree + " (exit " + p.exitValue() + ")");
      }
      return HexFormat.of().formatHex(sha.digest());
    } catch (IOException e) {
      throw new SnapshotException(dev.warren.error.Problem.UNAVAILABLE, "cannot read the layer " + tree + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new SnapshotException(dev.warren.error.Problem.UNAVAILABLE, "interrupted while reading the layer " + tree, e);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The bytes of the regular files of the layer at {@code tree}. */
  static long size(Path tree) {
    try (Stream<Path> all = Files.walk(tree)) {
      return all.filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)).mapToLong(p -> {
        try {
          return Files.size(p);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }).sum();
    } catch (IOException | UncheckedIOException e) {
      throw new SnapshotException(dev.warren.error.Problem.UNAVAILABLE, "cannot measure the layer " + tree + ": " + e.getMessage(), e);
    }
  }

  /** Moves the complete layer at {@code tmp} to its name, or drops it when a layer with that content is there already. */
  void install(Path tmp, String digest) {
    try {
      if (Files.isDirectory(path(digest), LinkOption.NOFOLLOW_LINKS)) {
        remove(tmp);
      } else {
        Files.move(tmp, path(digest), StandardCopyOption.ATOMIC_MOVE);
      }
    } catch (IOException e) {
      throw new SnapshotException(dev.warren.error.Problem.UNAVAILABLE, "cannot move the layer " + tmp + " into place: " + e.getMessage(), e);
    }
  }

  /** Removes a layer or a copy of one (idempotent). */
  void remove(Path p) {
    try {
      Tool.check(List.of("rm", "-rf", "--one-file-system", "--", p.toString()), TOOL_TIMEOUT);
    } catch (ToolException e) {
      throw new SnapshotException(dev.warren.error.Problem.UNAVAILABLE, "cannot remove the layer " + p + ": " + e.getMessage(), e);
    }
  }

  /** Every entry of the directory: layer digests and unfinished copies ({@link #TMP}). */
  List<String> entries() {
    List<String> out = new ArrayList<>();
    try (Stream<Path> s = Files.list(dir)) {
      s.forEach(p -> out.add(p.getFileName().toString()));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + dir, e);
    }
    return out;
  }

  /**
   * Ends the copies ({@code cp}, {@code tar}) into or from this directory that a killed controller
   * left running, so that what they were writing can be removed; returns them, described.
   */
  List<String> endLeftoverCopies() {
    String inside = dir + "/" + TMP;
    return dev.warren.host.LeftoverProcesses.endAll(argv -> java.util.Arrays.stream(argv).anyMatch(a -> a.contains(inside)),
        pid -> ProcessHandle.of(pid).map(h -> !h.isAlive()).orElse(true));
  }

  /** Removes the entries that are neither the layers {@code keep} nor copies of the snapshots {@code making}; returns them. */
  List<String> sweep(Set<String> keep, Set<String> making) {
    List<String> removed = new ArrayList<>();
    for (String name : entries()) {
      boolean made = name.startsWith(TMP) && making.stream().anyMatch(id -> name.startsWith(TMP + id));
      if (!keep.contains(name) && !made) {
        if (name.endsWith(".mnt")) {
          detach(dir.resolve(name));
        }
        remove(dir.resolve(name));
        removed.add(name);
      }
    }
    return removed;
  }

  /** Lazily unmounts what a controller killed while flattening left mounted at {@code p}, if anything. */
  private static void detach(Path p) {
    for (int i = 0; i < 4; i++) {
      try {
        dev.warren.host.Syscalls.umount(p.toString(), dev.warren.host.Syscalls.MNT_DETACH);
      } catch (dev.warren.host.SyscallException e) {
        return;
      }
    }
  }
}
