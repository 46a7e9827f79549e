package dev.warren.runtime.microvm;

import dev.warren.host.Tool;
import dev.warren.host.ToolException;
import dev.warren.image.Image;
import dev.warren.runtime.SandboxRuntimeException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The VM disks: one read-only ext4 base per golden image (made from its rootfs directory with
 * {@code mkfs.ext4 -d}, no mount needed, cached by the image's digest in
 * {@code <images>/.microvm/disks}, mode 0444 in a 0700 directory), and a qcow2 overlay per
 * sandbox over it, which is all a sandbox ever writes. Thread-safe: one lock per base being made.
 */
final class VmDisks {
  private static final Duration TOOL_TIMEOUT = Duration.ofMinutes(10);
  /** Free room in a base beyond its files (the sandbox's own room is its overlay's, limits.diskMb). */
  private static final long HEADROOM = 64L << 20;

  private final Path disksDir;
  private final ConcurrentHashMap<String, ReentrantLock> making = new ConcurrentHashMap<>();

  VmDisks(Path disksDir) {
    this.disksDir = disksDir;
  }

  /** The base disk of {@code image}, made on first use (a few seconds for the base image). */
  Path base(Image image) {
    String key = image.name() + "-" + image.digest().replace("sha256:", "").substring(0, 16);
    Path base = disksDir.resolve(key + ".ext4");
    if (Files.isRegularFile(base)) {
      return base;
    }
    ReentrantLock lock = making.computeIfAbsent(key, k -> new ReentrantLock());
    try {
      if (!lock.tryLock(TOOL_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
        throw new SandboxRuntimeException("the VM disk of image " + image.name() + " is still being made after " + TOOL_TIMEOUT);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new SandboxRuntimeException("interrupted while waiting for the VM disk of image " + image.name(), e);
    }
    try {
      if (!Files.isRegularFile(base)) {
        make(image, base);
      }
      return base;
    } finally {
      lock.unlock();
    }
  }

  private void make(Image image, Path base) {
    Path tmp = disksDir.resolve("." + base.getFileName() + ".tmp");
    try {
      Files.createDirectories(disksDir);
      Files.setPosixFilePermissions(disksDir, PosixFilePermissions.fromString("rwx------"));
      Files.deleteIfExists(tmp);
      long size = roundUp(Math.max(image.sizeBytes(), 64L << 20) * 5 / 4 + HEADROOM);
      Tool.check(List.of("mkfs.ext4", "-q", "-F", "-L", "warren-root", "-d", image.rootfs().toString(), "-E", "root_owner=0:0",
          tmp.toString(), (size >> 20) + "M"), TOOL_TIMEOUT);
      Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("r--r--r--"));
      Files.move(tmp, base, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException | ToolException e) {
      try {
        Files.deleteIfExists(tmp);
      } catch (IOException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw new SandboxRuntimeException("cannot make the VM disk of image " + image.name() + " from " + image.rootfs() + ": "
          + e.getMessage(), e);
    }
  }

  /**
   * A new qcow2 overlay at {@code overlay} over {@code base}, {@code extraBytes} larger than it (the
   * guest grows its filesystem into them at its first boot); the base is only ever read through it.
   */
  static void overlay(Path base, Path overlay, long extraBytes) {
    try {
      long size = Files.size(base) + extraBytes;
      Tool.check(List.of("qemu-img", "create", "-q", "-f", "qcow2", "-b", base.toString(), "-F", "raw", overlay.toString(),
          Long.toString(size)), Duration.ofSeconds(60));
      Files.setPosixFilePermissions(overlay, PosixFilePermissions.fromString("rw-------"));
    } catch (IOException | ToolException e) {
      throw new SandboxRuntimeException("cannot create the disk overlay " + overlay + " over " + base + ": " + e.getMessage(), e);
    }
  }

  /** Removes every base disk (uninstall: no VM may be left). */
  void removeAll() {
    VmDir.deleteTree(disksDir);
  }

  private static long roundUp(long bytes) {
    long mib = 1L << 20;
    return (bytes + mib - 1) / mib * mib;
  }
}
