package dev.warren.runtime.crun;

import dev.warren.host.LoopDevices;
import dev.warren.host.NamedLocks;
import dev.warren.host.SyscallException;
import dev.warren.host.Syscalls;
import dev.warren.runtime.Lower;
import dev.warren.runtime.SandboxRuntimeException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Comparator;

/**
 * Snapshot layers kept as ext4 images ({@code <layers>/<name>.img}, see {@link BlockLayers}), each
 * mounted once on the host, read-only ({@code ro,noload} through a read-only loop device), at
 * {@code <layers>/<name>.mnt} when the first sandbox stacking it starts; every sandbox over it
 * idmaps that one mount's {@code upper/} (so forks share its page cache). The mount stays while
 * its snapshot does: the snapshot store detaches it when it removes the layer, and
 * {@link #detachAll} at teardown.
 *
 * <p>Who may reach it: the mount point lies in {@code layers/} (root's, 0700), mounted nosuid and
 * nodev; sandboxes see it only through their overlay's idmapped, read-only lower. Labelled by
 * path: the mount point names the layer, and the loop device's backing file is the image beside
 * it. Thread-safe: mounting one layer is serialised by its name.
 */
final class LayerMounts {
  static final String IMAGE_SUFFIX = ".img";
  static final String MOUNT_SUFFIX = ".mnt";
  private static final long MS_RDONLY = 1;
  private static final long MS_NOSUID = 2;
  private static final long MS_NODEV = 4;

  private final NamedLocks locks = new NamedLocks(Duration.ofSeconds(60));

  /** Where the layer image {@code image} is mounted. */
  static Path mountPoint(Path image) {
    String name = image.getFileName().toString();
    String stem = name.endsWith(IMAGE_SUFFIX) ? name.substring(0, name.length() - IMAGE_SUFFIX.length()) : name;
    return image.resolveSibling(stem + MOUNT_SUFFIX);
  }

  /** The tree of the lower {@code l} on the host: a directory as it is, or the {@code upper/} of its image, mounted when it is not yet. */
  Path tree(Lower l) {
    return Files.isRegularFile(l.path()) ? open(l.path()) : l.path();
  }

  /** Mounts the layer image {@code image} unless it is mounted; returns its tree (its {@code upper/}). */
  Path open(Path image) {
    Path mnt = mountPoint(image);
    return locks.locked(image.toString(), () -> new SandboxRuntimeException("the layer " + image + " is being mounted by another call for over 60 s"),
        () -> {
          if (!MountInfo.isMountPoint(mnt)) {
            try {
              Files.createDirectories(mnt);
              Files.setPosixFilePermissions(mnt, PosixFilePermissions.fromString("rwx------"));
              try (LoopDevices.Attached loop = LoopDevices.attach(image, true)) {
                Syscalls.mount(loop.device(), mnt.toString(), "ext4", MS_RDONLY | MS_NOSUID | MS_NODEV, "noload");
              }
            } catch (IOException | SyscallException e) {
              throw new SandboxRuntimeException("cannot mount the snapshot layer " + image + " at " + mnt + ": " + e.getMessage(), e);
            }
          }
          return mnt.resolve("upper");
        });
  }

  /** Lazily unmounts every layer mount under {@code layersDir} (their loop devices go with them): for teardown. */
  static void detachAll(Path layersDir) {
    String prefix = layersDir + "/";
    MountInfo.self().stream().map(MountInfo::mountPoint).filter(m -> m.startsWith(prefix)).sorted(Comparator.reverseOrder())
        .forEach(m -> RootFs.detach("layers", Path.of(m)));
  }
}
