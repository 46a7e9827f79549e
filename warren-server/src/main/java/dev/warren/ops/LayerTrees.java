package dev.warren.ops;

import dev.warren.host.Tool;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import tools.jackson.databind.node.ArrayNode;

/**
 * Snapshot layers kept as trees in backups ({@code layers/<sha256 hex>/}: snapshots of sandboxes
 * without a disk of their own, and those made before block-level snapshots; image layers are
 * {@link LayerImages}'). Each is one zip entry {@code files/layers/<sha256 hex>.tar}: GNU tar's
 * sorted, numeric-owner POSIX archive of the tree with every xattr (overlay's whiteouts and opaque
 * markers, owners, modes, times and hard links as they are), the very archive the layer's name is
 * the SHA-256 of. So a restore checks the entry against its name while it extracts it, into
 * {@code layers/.restore-<hex>}, renamed to its name once complete. Layers are written once and
 * never again, so nothing is frozen while one is read. Stateless.
 */
final class LayerTrees {
  private static final String ENTRY_SUFFIX = ".tar";
  private static final Duration TAR_TIMEOUT = Duration.ofHours(2);
  private static final int BLOCK = 1 << 16;

  private LayerTrees() {}

  /** Whether {@code rel} (a path in the data directory, or with {@link #ENTRY_SUFFIX} an entry's) is a layer kept as a tree. */
  static boolean isLayerTree(String rel) {
    return rel.matches("layers/[0-9a-f]{64}(\\.tar)?");
  }

  /**
   * Adds the tree layers among {@code names} (the {@code layer} column of ready snapshots) of
   * {@code dataDir} to {@code zip}; one whose content no longer has its name's digest is added
   * anyway (a restore then refuses it, saying so) and reported on {@code out}.
   */
  static void backup(Path dataDir, ZipOutputStream zip, ArrayNode files, List<String> names, java.io.PrintStream out) throws IOException {
    for (String name : names) {
      String rel = "layers/" + name;
      Path tree = dataDir.resolve(rel);
      if (!isLayerTree(rel) || !Files.isDirectory(tree, LinkOption.NOFOLLOW_LINKS)) {
        continue; // an image (LayerImages), or a layer the store names but the disk lacks (reported at the controller's start)
      }
      String entry = "files/" + rel + ENTRY_SUFFIX;
      zip.putNextEntry(new ZipEntry(entry));
      String digest = archive(tree, zip);
      zip.closeEntry();
      files.add(entry);
      if (!digest.equals(name)) {
        out.printf("warning: the snapshot layer %s was changed on disk after it was made (its content's digest is now %s); "
            + "a restore of this backup refuses it%n", tree, digest);
      }
    }
  }

  /** Writes tar's archive of {@code tree} to {@code to}; returns the archive's hex SHA-256. */
  private static String archive(Path tree, OutputStream to) throws IOException {
    List<String> argv = List.of("tar", "--create", "--file=-", "--directory=" + tree, "--sort=name", "--numeric-owner", "--format=posix",
        "--xattrs", "--xattrs-include=*", "--pax-option=delete=atime,delete=ctime", ".");
    Process p = new ProcessBuilder(argv).start();
    p.getOutputStream().close();
    StderrTail stderr = StderrTail.of(p);
    MessageDigest sha = sha256();
    try (InputStream in = p.getInputStream()) {
      byte[] buf = new byte[BLOCK];
      for (int n; (n = in.read(buf)) > 0; ) {
        sha.update(buf, 0, n);
        to.write(buf, 0, n);
      }
    } catch (IOException e) {
      p.destroyForcibly();
      throw e;
    }
    await(p, "tar reading the layer " + tree, stderr);
    return HexFormat.of().formatHex(sha.digest());
  }

  /**
   * Extracts the tree layer of the backup entry {@code in} to {@code entryTarget} without its
   * {@link #ENTRY_SUFFIX} (in {@code layers/}, root's, 0700), replacing the tree there; refuses an
   * entry whose content is not what its name says.
   */
  static void restore(InputStream in, Path entryTarget) throws IOException {
    String entryName = entryTarget.getFileName().toString();
    String name = entryName.endsWith(ENTRY_SUFFIX) ? entryName.substring(0, entryName.length() - ENTRY_SUFFIX.length()) : entryName;
    Path target = entryTarget.resolveSibling(name);
    Path layers = target.getParent();
    Files.createDirectories(layers);
    Files.setPosixFilePermissions(layers, PosixFilePermissions.fromString("rwx------"));
    Path tmp = layers.resolve(".restore-" + name);
    remove(tmp);
    Files.createDirectory(tmp);
    // as root, tar gives every entry its archived owner, mode, times and xattrs (trusted.* too with the include pattern)
    List<String> argv = List.of("tar", "--extract", "--file=-", "--directory=" + tmp, "--numeric-owner", "--same-owner", "--same-permissions",
        "--xattrs", "--xattrs-include=*");
    Process p = new ProcessBuilder(argv).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    StderrTail stderr = StderrTail.of(p);
    MessageDigest sha = sha256();
    try (OutputStream toTar = p.getOutputStream()) {
      byte[] buf = new byte[BLOCK];
      for (int n; (n = in.read(buf)) > 0; ) {
        sha.update(buf, 0, n);
        toTar.write(buf, 0, n);
      }
    } catch (IOException e) {
      p.destroyForcibly();
      remove(tmp);
      throw new OpsException("cannot extract the backup's snapshot layer " + name + ": " + e.getMessage() + "; " + stderr.tail(), e);
    }
    try {
      await(p, "tar extracting the backup's snapshot layer " + name, stderr);
      String digest = HexFormat.of().formatHex(sha.digest());
      if (!digest.equals(name)) {
        throw new OpsException("the backup's snapshot layer " + name + " is damaged: its content's SHA-256 is " + digest
            + "; the snapshots naming it cannot be restored from this backup (restore an older backup, or delete those snapshots)");
      }
      // on disk before it is in place, like a layer a snapshot makes
      Tool.check(List.of("sync", "--file-system", "--", tmp.toString()), TAR_TIMEOUT);
      remove(target);
      Files.move(tmp, target, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    } catch (dev.warren.host.ToolException e) {
      remove(tmp);
      throw new OpsException("cannot write the backup's snapshot layer " + name + " to disk: " + e.getMessage(), e);
    } catch (IOException | RuntimeException e) {
      remove(tmp);
      throw e;
    }
  }

  private static void remove(Path p) {
    Tool.Result r = Tool.run(List.of("rm", "-rf", "--one-file-system", "--", p.toString()), TAR_TIMEOUT);
    if (!r.ok()) {
      throw new OpsException("cannot remove " + p + ": " + r.stderr().strip());
    }
  }

  private static void await(Process p, String what, StderrTail stderr) throws IOException {
    try {
      if (!p.waitFor(TAR_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new OpsException(what + " took longer than " + TAR_TIMEOUT.toMinutes() + " minutes");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      p.destroyForcibly();
      throw new OpsException("interrupted: " + what);
    }
    if (p.exitValue() != 0) {
      throw new OpsException(what + " failed (exit " + p.exitValue() + "): " + stderr.tail());
    }
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** What a process writes to its stderr, read on a thread of its own (its end kept, 4 KiB), so that it never blocks on a full pipe. */
  private record StderrTail(Thread reader, StringBuilder text) {
    static StderrTail of(Process p) {
      StringBuilder text = new StringBuilder();
      Thread t = Thread.ofVirtual().start(() -> {
        try (InputStream err = p.getErrorStream()) {
          byte[] buf = new byte[4096];
          for (int n; (n = err.read(buf)) > 0; ) {
            synchronized (text) {
              text.append(new String(buf, 0, n, java.nio.charset.StandardCharsets.UTF_8));
              if (text.length() > 4096) {
                text.delete(0, text.length() - 4096);
              }
            }
          }
        } catch (IOException e) {
          // the exit code reports a failure
        }
      });
      return new StderrTail(t, text);
    }

    String tail() {
      try {
        reader.join(Duration.ofSeconds(5));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      synchronized (text) {
        return text.toString().strip();
      }
    }
  }
}
