package dev.warren.image;

import dev.warren.host.Tool;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * The root filesystems of build steps: a step's tree is its parent's, copied, with the step's
 * layer applied ({@link LayerUnpacker}). The copy of a step image hard-links its parent's files
 * where both are on one filesystem (a built-in golden image is copied whole, {@link #copyWhole}): applying a layer replaces a file (delete, then create) and never writes one in
 * place, and image trees are read-only once installed, so the two never see each other's changes.
 * Stateless.
 */
public final class StepTrees {
  private static final Duration COPY_TIMEOUT = Duration.ofMinutes(30);

  private StepTrees() {}

  /** Makes {@code to} (which must not exist) a copy of the tree {@code from}; an empty directory when {@code from} is empty (scratch). */
  public static void copy(java.util.Optional<Path> from, Path to) throws IOException {
    if (from.isEmpty()) {
      Files.createDirectory(to);
      Files.setPosixFilePermissions(to, dev.warren.host.FileModes.permissions(0755));
      return;
    }
    Tool.Result linked = Tool.run(List.of("cp", "-a", "-l", "--no-target-directory", "--", from.get().toString(), to.toString()), COPY_TIMEOUT);
    if (linked.ok()) {
      return;
    }
    LayerUnpacker.delete(to);
    Tool.Result copied = Tool.run(List.of("cp", "-a", "--reflink=auto", "--no-target-directory", "--", from.get().toString(), to.toString()),
        COPY_TIMEOUT);
    if (!copied.ok()) {
      throw new IOException("cannot copy " + from.get() + " to " + to + ": cp exited with " + copied.exitCode() + ": " + copied.stderr().strip());
    }
  }

  /** Makes {@code to} (which must not exist) a copy of {@code from} that shares no inode with it (reflinked where the filesystem can). */
  public static void copyWhole(Path from, Path to) throws IOException {
    Tool.Result copied = Tool.run(List.of("cp", "-a", "--reflink=auto", "--no-target-directory", "--", from.toString(), to.toString()),
        COPY_TIMEOUT);
    if (!copied.ok()) {
      throw new IOException("cannot copy " + from + " to " + to + ": cp exited with " + copied.exitCode() + ": " + copied.stderr().strip());
    }
  }

  /** Applies the uncompressed layer tar {@code layer} to {@code tree}; {@code name} names it in errors. */
  public static void apply(Path tree, Path layer, String name) throws IOException {
    try (InputStream in = new BufferedInputStream(Files.newInputStream(layer), 1 << 16)) {
      new LayerUnpacker(tree).apply(in, name);
    }
  }

  /** Removes a tree left by a step that did not finish. */
  public static void delete(Path tree) throws IOException {
    LayerUnpacker.delete(tree);
  }
}
