package dev.warren.ops;

import dev.warren.host.SyscallException;
import dev.warren.host.Syscalls;
import dev.warren.host.Tool;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import tools.jackson.databind.node.ArrayNode;

/**
 * Volumes in backups: each volume's ext4 image ({@code volumes/<name>/volume.img}) as one zip entry.
 * A volume mounted on the host is frozen ({@code fsfreeze}) while its image is copied, so the copy
 * is a consistent filesystem: sandboxes writing to it wait for those seconds, readers do not. The
 * image's holes are stored as zeros (deflate shrinks them to almost nothing) and made holes again at
 * restore. A restore detaches the host mount of a volume it replaces; the next controller mounts
 * the restored image. Stateless.
 */
final class VolumeImages {
  private static final Duration FREEZE_TIMEOUT = Duration.ofSeconds(30);
  private static final int BLOCK = 1 << 16;

  private VolumeImages() {}

  static boolean isVolumeImage(String rel) {
    return rel.matches("volumes/[a-z0-9][a-z0-9._-]{0,63}/volume\\.img");
  }

  static void backup(Path dataDir, ZipOutputStream zip, ArrayNode files, List<String> names) throws IOException {
    for (String name : names) {
      Path image = dataDir.resolve("volumes").resolve(name).resolve("volume.img");
      if (!Files.isRegularFile(image)) {
        continue; // its row says it is missing: nothing to copy
      }
      Path mnt = image.resolveSibling("mnt");
      boolean frozen = Tool.run(List.of("fsfreeze", "--freeze", mnt.toString()), FREEZE_TIMEOUT).ok();
      try (InputStream in = Files.newInputStream(image)) {
        String entry = "files/" + dataDir.relativize(image);
        zip.putNextEntry(new ZipEntry(entry));
        in.transferTo(zip);
        zip.closeEntry();
        files.add(entry);
      } finally {
        if (frozen) {
          Tool.run(List.of("fsfreeze", "--unfreeze", mnt.toString()), FREEZE_TIMEOUT).orThrow();
        }
      }
    }
  }

  /** Writes a volume image from a backup to {@code target} (its directory made root's, 0700), leaving holes where it is zeros. */
  static void restore(InputStream in, Path target) throws IOException {
    Path vdir = target.getParent();
    Files.createDirectories(vdir);
    Files.setPosixFilePermissions(vdir.getParent(), PosixFilePermissions.fromString("rwx------"));
    Files.setPosixFilePermissions(vdir, PosixFilePermissions.fromString("rwx------"));
    try {
      Syscalls.umount(vdir.resolve("mnt").toString(), Syscalls.MNT_DETACH);
    } catch (SyscallException e) {
      // not mounted
    }
    Path tmp = target.resolveSibling("." + target.getFileName() + ".restore");
    Files.deleteIfExists(tmp);
    try (FileChannel out = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      byte[] buf = new byte[BLOCK];
      long at = 0;
      int n;
      while ((n = in.readNBytes(buf, 0, BLOCK)) > 0) {
        if (!zeros(buf, n)) {
          out.write(ByteBuffer.wrap(buf, 0, n), at);
        }
        at += n;
      }
      out.truncate(at);
      if (out.size() < at) {
        // a trailing hole: the file's length is the image's
        out.write(ByteBuffer.wrap(new byte[1]), at - 1);
      }
      out.force(true);
    }
    Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
    Files.move(tmp, target, java.nio.file.StandardCopyOption.ATOMIC_MOVE, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
  }

  private static boolean zeros(byte[] b, int n) {
    for (int i = 0; i < n; i++) {
      if (b[i] != 0) {
        return false;
      }
    }
    return true;
  }
}
