package dev.warren.runtime.crun;

import dev.warren.host.Tool;
import dev.warren.host.ToolException;
import dev.warren.runtime.SandboxRuntimeException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sandbox disks have no journal: the kernel marks one "not clean" while it is mounted and clean
 * again when it is unmounted, so a disk found not clean before it is mounted was in use when the
 * host went down (or the kernel found an error in it), and e2fsck repairs it first. Stateless.
 */
final class DiskCheck {
  private static final Logger log = LoggerFactory.getLogger(DiskCheck.class);
  static final String E2FSCK = "/sbin/e2fsck";
  private static final int SUPERBLOCK = 1024;
  private static final int EXT4_MAGIC = 0xEF53;
  private static final int VALID_FS = 1;
  private static final int ERROR_FS = 2;
  private static final Duration TIMEOUT = Duration.ofMinutes(30);

  private DiskCheck() {}

  /** Whether the image's superblock says it was unmounted cleanly and without errors. */
  static boolean clean(Path image) throws IOException {
    try (FileChannel ch = FileChannel.open(image, StandardOpenOption.READ)) {
      ByteBuffer sb = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
      ch.read(sb, SUPERBLOCK);
      if ((sb.getShort(0x38) & 0xffff) != EXT4_MAGIC) {
        throw new IOException(image + " is not an ext4 filesystem");
      }
      int state = sb.getShort(0x3A) & 0xffff;
      return (state & VALID_FS) != 0 && (state & ERROR_FS) == 0;
    }
  }

  /** Runs e2fsck on an image that is not mounted anywhere when it is not clean. */
  static void repairIfUnclean(String id, Path image) {
    try {
      if (clean(image)) {
        return;
      }
    } catch (IOException e) {
      throw new SandboxRuntimeException("cannot read the disk of " + id + " (" + image + "): " + e.getMessage(), e);
    }
    long t0 = System.nanoTime();
    Tool.Result r;
    try {
      // -p repairs what is safe to repair without asking; 1 = errors corrected
      r = Tool.run(List.of(E2FSCK, "-p", "-f", image.toString()), TIMEOUT);
    } catch (ToolException e) {
      throw new SandboxRuntimeException("cannot check the disk of " + id + ": " + e.getMessage(), e);
    }
    if (r.exitCode() > 2) {
      throw new SandboxRuntimeException("the disk of " + id + " (" + image + ") was not cleanly unmounted and e2fsck -p could not "
          + "repair it (exit code " + r.exitCode() + "): " + (r.stdout() + r.stderr()).strip() + "; run e2fsck -f " + image
          + " by hand, or delete the sandbox");
    }
    log.warn("the disk of {} was not cleanly unmounted (host crash?); e2fsck checked it in {} ms: {}", id,
        (System.nanoTime() - t0) / 1_000_000, (r.stdout() + r.stderr()).strip());
  }
}
