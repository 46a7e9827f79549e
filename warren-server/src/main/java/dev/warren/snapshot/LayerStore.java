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
 * The snapshot layers of an instance, each written once and never again, in two kinds:
 * <ul>
 *   <li>{@code <data>/layers/<snapshot id>.img}: a filesystem image (a sandbox's disk captured block
 *       by block, or a flattened stack), named after the snapshot it was made for; the runtime
 *       mounts it, read-only and once for all its sandboxes, at {@code <snapshot id>.mnt} beside it,
 *       which is unmounted and removed with it.
 *   <li>{@code <data>/layers/<sha256 hex>/}: the tree of a layer kept as files (a sandbox without a
 *       disk of its own, and layers made before block-level snapshots), named by its digest.
 * </ul>
 * A layer is written as {@code .tmp-<snapshot id>}, written to disk ({@link #sync}) and renamed to
 * its name when complete, the rename written to disk too: a layer is never half there, also after
 * the host loses power, once its snapshot says ready.
 *
 * <p>Who may reach it: {@code layers/} is root's, mode 0700: no host user and no sandbox uid
 * can traverse it. Sandboxes see a layer only through their overlay's idmapped, read-only lower.
 *
 * <p>A tree's digest covers everything a sandbox over the layer sees: names, types, modes, owners,
 * times, xattrs (overlay's whiteouts and opaque markers among them) and contents, as GNU tar's
 * sorted, numeric-owner POSIX archive of the tree. An image has no digest: hashing it would take
 * longer than copying it, and two captures of the same files differ in their bytes anyway.
 * Stateless apart from the directory; callers serialise renames and removals ({@link SnapshotCatalog}).
 */
record LayerStore(Path dir) {
  static final String TMP = ".tmp-";
  static final String IMAGE = ".img";
  static final String MOUNT = ".mnt";
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

  /** The bytes the layer image {@code image} takes on the host (its holes not counted). */
  static long imageSize(Path image) {
    try {
      return dev.warren.host.FsCalls.allocatedBytes(image.toString());
    } catch (dev.warren.host.SyscallException e) {
      throw new SnapshotException(dev.warren.error.Problem.UNAVAILABLE, "cannot measure the layer " + image + ": " + e.getMessage(), e);
    }
  }

  /**
   * Writes the complete layer at {@code tmp} to stable storage, before it is installed and its
   * snapshot said ready: an image with one {@code fsync}; a tree (many files, most of them small)
   * with one {@code syncfs} of the filesystem holding it rather than an fsync per file.
   */
  static void sync(Path tmp) {
    try {
      if (Files.isRegularFile(tmp, LinkOption.NOFOLLOW_LINKS)) {
        fsync(tmp);
      } else {
        Tool.check(List.of("sync", "--file-system", "--", tmp.toString()), TOOL_TIMEOUT);
      }
    } catch (IOException | ToolException e) {
      throw new SnapshotException(dev.warren.error.Problem.UNAVAILABLE, "cannot write the layer " + tmp + " to disk: " + e.getMessage(), e);
    }
  }

  private static void fsync(Path p) throws IOException {
    // a directory opens read-only too, and its fsync writes its entries out
    try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(p, java.nio.file.StandardOpenOption.READ)) {
      ch.force(true);
    }
  }

  /**
   * Moves the complete layer at {@code tmp} ({@link #sync}ed) to its name, the directory's new
   * entry written to disk before this returns, or drops it when a layer with that content is there
   * already.
   */
  void install(Path tmp, String name) {
    try {
      if (Files.exists(path(name), LinkOption.NOFOLLOW_LINKS)) {
        remove(tmp);
      } else {
        Files.move(tmp, path(name), StandardCopyOption.ATOMIC_MOVE);
        fsync(dir);
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

  /**
   * Removes the entries that are neither the layers {@code keep} (with the mount of each kept image)
   * nor copies of the snapshots {@code making}; returns them. What is mounted in an entry (the
   * mount of a layer image, what a controller killed while flattening left) is unmounted first.
   */
  List<String> sweep(Set<String> keep, Set<String> making) {
    List<String> removed = new ArrayList<>();
    for (String name : entries()) {
      boolean made = name.startsWith(TMP) && making.stream().anyMatch(id -> name.startsWith(TMP + id));
      boolean mountOfKept = name.endsWith(MOUNT) && keep.contains(name.substring(0, name.length() - MOUNT.length()) + IMAGE);
      if (!keep.contains(name) && !made && !mountOfKept) {
        detach(dir.resolve(name));
        remove(dir.resolve(name));
        removed.add(name);
      }
    }
    return removed;
  }

  /** Lazily unmounts everything mounted at or under {@code p}, deepest first (the loop device of a layer image goes with its mount). */
  private static void detach(Path p) {
    List<String> points = new ArrayList<>();
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
        String mp = line.split(" ")[4].replace("\\040", " ");
        if (mp.equals(p.toString()) || mp.startsWith(p + "/")) {
          points.add(mp);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read /proc/self/mountinfo", e);
    }
    points.sort(java.util.Comparator.reverseOrder());
    for (String mp : points) {
      try {
        dev.warren.host.Syscalls.umount(mp, dev.warren.host.Syscalls.MNT_DETACH);
      } catch (dev.warren.host.SyscallException e) {
        // gone meanwhile (EINVAL, ENOENT); anything else shows when the entry cannot be removed
      }
    }
  }
}
