package dev.warren.reliability;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * A small ext4 filesystem of its own (an image file on a loop device, no blocks reserved for
 * root), mounted at {@link #mountPoint()}, to fill up on purpose. {@link #close()} unmounts it and
 * frees the loop device and the image, whatever happened before.
 */
final class LoopDisk implements AutoCloseable {
  private final Path dir;
  private final Path image;
  private final Path mountPoint;
  private boolean mounted;

  private LoopDisk(Path dir) {
    this.dir = dir;
    this.image = dir.resolve("disk.img");
    this.mountPoint = dir.resolve("data");
  }

  /** Makes and mounts a filesystem of {@code mib} MiB; skips the test when this host has no loop devices. */
  static LoopDisk create(int mib) {
    Path dir;
    try {
      dir = Files.createTempDirectory(Path.of("/tmp"), "warren-loopdisk-");
      Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwx--x--x"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    LoopDisk d = new LoopDisk(dir);
    try {
      run(List.of("truncate", "-s", mib + "M", d.image.toString()));
      run(List.of("mkfs.ext4", "-q", "-F", "-m", "0", d.image.toString()));
      Files.createDirectories(d.mountPoint);
      Result mount = exec(List.of("mount", "-o", "loop", d.image.toString(), d.mountPoint.toString()));
      Assumptions.assumeTrue(mount.code == 0, "no loop devices here (mount -o loop failed: " + mount.out.strip() + ")");
      d.mounted = true;
      Files.setPosixFilePermissions(d.mountPoint, java.nio.file.attribute.PosixFilePermissions.fromString("rwx--x--x"));
      Files.deleteIfExists(d.mountPoint.resolve("lost+found"));
      return d;
    } catch (IOException e) {
      d.close();
      throw new UncheckedIOException(e);
    } catch (RuntimeException | Error e) {
      // an Assumption failing (no loop devices) is a RuntimeException too: clean up, then skip
      d.close();
      throw e;
    }
  }

  Path mountPoint() {
    return mountPoint;
  }

  /** A place beside the filesystem (not on it), e.g. for a log. */
  Path beside(String name) {
    return dir.resolve(name);
  }

  long free() {
    try {
      return Files.getFileStore(mountPoint).getUsableSpace();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Allocates a file {@code name} so that about {@code leave} bytes stay free. */
  void fillLeaving(String name, long leave) {
    long size = free() - leave;
    if (size > 0) {
      run(List.of("fallocate", "-l", Long.toString(size), mountPoint.resolve(name).toString()));
    }
  }

  /** Writes {@code name} until the filesystem has no block left. */
  void fillCompletely(String name) {
    fillLeaving(name, 2 << 20);
    Result dd = exec(List.of("dd", "if=/dev/zero", "of=" + mountPoint.resolve(name + ".rest"), "bs=4096", "status=none"));
    if (dd.code == 0 || !dd.out.contains("No space left on device")) {
      throw new IllegalStateException("dd should have filled the disk: " + dd.out);
    }
  }

  void delete(String name) {
    run(List.of("rm", "-f", mountPoint.resolve(name).toString(), mountPoint.resolve(name + ".rest").toString()));
  }

  @Override
  public void close() {
    List<String> problems = new ArrayList<>();
    if (mounted) {
      Result u = exec(List.of("umount", mountPoint.toString()));
      if (u.code != 0) {
        // something (a sandbox mount left by a failed test) still holds it: detach lazily, loop freed when it goes
        Result lazy = exec(List.of("umount", "-l", mountPoint.toString()));
        if (lazy.code != 0) {
          problems.add("umount " + mountPoint + ": " + u.out + " / " + lazy.out);
        }
      }
      mounted = false;
    }
    // mount -o loop sets autoclear: the loop device is freed with the unmount; be sure anyway
    Result loops = exec(List.of("losetup", "-j", image.toString()));
    for (String line : loops.out.split("\n")) {
      if (line.startsWith("/dev/loop")) {
        exec(List.of("losetup", "-d", line.substring(0, line.indexOf(':'))));
      }
    }
    exec(List.of("rm", "-rf", "--one-file-system", dir.toString()));
    if (!problems.isEmpty()) {
      throw new IllegalStateException(String.join("; ", problems));
    }
  }

  private record Result(int code, String out) {}

  private static void run(List<String> cmd) {
    Result r = exec(cmd);
    if (r.code != 0) {
      throw new IllegalStateException(String.join(" ", cmd) + " failed: " + r.out);
    }
  }

  private static Result exec(List<String> cmd) {
    try {
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(120, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return new Result(-1, "timed out: " + out);
      }
      return new Result(p.exitValue(), out);
    } catch (IOException e) {
      return new Result(-1, e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Result(-1, "interrupted");
    }
  }
}
