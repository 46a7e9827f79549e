package dev.warren.runtime;

import java.nio.file.Path;
import java.util.Objects;

/**
 * One read-only layer of a sandbox's root filesystem, as {@link StartSpec#lowers} lists them.
 *
 * @param path a directory holding the layer's tree (an image's rootfs, or a snapshot layer kept as
 *     files), or a regular file: a snapshot layer kept as a filesystem image whose tree is its
 *     {@code upper/} directory (see {@link SandboxRuntime#captureLayer})
 * @param uidBase the host uid that is root in the owners the layer's files carry: 0 when they are
 *     the ids a sandbox sees (images, trees, flattened layers), else the first uid of the range of
 *     the sandbox the layer was captured of; the runtime maps them to the range of the sandbox
 *     stacking the layer
 */
public record Lower(Path path, long uidBase) {
  public Lower {
    Objects.requireNonNull(path, "path");
    if (uidBase < 0) {
      throw new IllegalArgumentException("uidBase must not be negative, got " + uidBase);
    }
  }

  /** A tree whose owners are the ids a sandbox sees (an image's rootfs). */
  public static Lower tree(Path path) {
    return new Lower(path, 0);
  }
}
