package dev.warren.ops;

import dev.warren.host.SyscallException;
import dev.warren.host.Syscalls;
import dev.warren.host.FsCalls;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import tools.jackson.databind.node.ArrayNode;

/**
 * Snapshot layers in backups: each layer kept as an image ({@code layers/<snapshot id>.img}) that a
 * ready snapshot of the store's dump names, as one zip entry {@code files/layers/<snapshot id>.img.sparse}.
 * Layers are written once and never again, so nothing is frozen while one is read. An image is as
 * large as its sandbox's disk limit (10 GiB by default) and mostly holes, so only its data is
 * stored: the entry is {@code WARREN-SPARSE-1}, the image's size, then each data extent as its
 * offset, its length and its bytes (big-endian longs), and a restore writes the extents back into
 * a file of that size, the rest left holes. Layers kept as trees are {@link LayerTrees}'. Stateless.
 */
final class LayerImages {
  private static final String MAGIC = "WARREN-SPARSE-1";
  private static final String ENTRY_SUFFIX = ".sparse";
  private static final int BLOCK = 1 << 20;

  private LayerImages() {}

  /** Whether {@code rel} (a path in the data directory, or with {@link #ENTRY_SUFFIX} an entry's) is a layer image. */
  static boolean isLayerImage(String rel) {
    return rel.matches("layers/snap_[a-z0-9]{1,40}\\.img(\\.sparse)?");
  }

  /** Adds the image layers {@code names} (the {@code layer} column of ready snapshots) of {@code dataDir} to {@code zip}. */
  static void backup(Path dataDir, ZipOutputStream zip, ArrayNode files, List<String> names) throws IOException {
    for (String name : names) {
      String rel = "layers/" + name;
      Path image = dataDir.resolve(rel);
      if (!isLayerImage(rel) || !Files.isRegularFile(image)) {
        continue; // a tree, or a layer the store names but the disk lacks (reported at the controller's start)
      }
      String entry = "files/" + rel + ENTRY_SUFFIX;
      zip.putNextEntry(new ZipEntry(entry));
      writeExtents(image, new DataOutputStream(zip));
      zip.closeEntry();
      files.add(entry);
    }
  }

  private static void writeExtents(Path image, DataOutputStream out) throws IOException {
    int fd = Syscalls.open(image.toString(), Syscalls.O_RDONLY);
    try (FileChannel ch = FileChannel.open(image, StandardOpenOption.READ)) {
      long size = ch.size();
      out.writeUTF(MAGIC);
      out.writeLong(size);
      ByteBuffer buf = ByteBuffer.allocate(BLOCK);
      FsCalls.forEachDataExtent(fd, size, (data, length) -> {
        out.writeLong(data);
        out.writeLong(length);
        for (long pos = data; pos < data + length; ) {
          buf.clear().limit((int) Math.min(BLOCK, data + length - pos));
          int n = ch.read(buf, pos);
          if (n <= 0) {
            throw new IOException("the layer " + image + " ended at " + pos + " while " + size + " bytes long");
          }
          out.write(buf.array(), 0, n);
          pos += n;
        }
      });
      out.writeLong(-1);
      out.flush();
    } finally {
      Syscalls.close(fd);
    }
  }

  /**
   * Writes a layer image from the backup entry {@code in} to {@code target} (the entry's name
   * without {@link #ENTRY_SUFFIX}), in {@code layers/} (root's, 0700), unmounting the one it replaces.
   */
  static void restore(InputStream in, Path entryTarget) throws IOException {
    String entryName = entryTarget.getFileName().toString();
    Path target = entryName.endsWith(ENTRY_SUFFIX)
        ? entryTarget.resolveSibling(entryName.substring(0, entryName.length() - ENTRY_SUFFIX.length())) : entryTarget;
    Path layers = target.getParent();
    Files.createDirectories(layers);
    Files.setPosixFilePermissions(layers, PosixFilePermissions.fromString("rwx------"));
    String name = target.getFileName().toString();
    Path mnt = target.resolveSibling(name.substring(0, name.length() - ".img".length()) + ".mnt");
    try {
      Syscalls.umount(mnt.toString(), Syscalls.MNT_DETACH);
    } catch (SyscallException e) {
      // not mounted
    }
    Path tmp = target.resolveSibling("." + target.getFileName() + ".restore");
    Files.deleteIfExists(tmp);
    DataInputStream data = new DataInputStream(in);
    if (!MAGIC.equals(data.readUTF())) {
      throw new OpsException("the backup's entry for the layer " + target.getFileName() + " is not a " + MAGIC + " image");
    }
    long size = data.readLong();
    try (FileChannel out = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      byte[] buf = new byte[BLOCK];
      for (long offset; (offset = data.readLong()) >= 0; ) {
        long left = data.readLong();
        for (long pos = offset; left > 0; ) {
          int n = (int) Math.min(BLOCK, left);
          data.readFully(buf, 0, n);
          out.write(ByteBuffer.wrap(buf, 0, n), pos);
          pos += n;
          left -= n;
        }
      }
      out.truncate(size);
      if (out.size() < size) {
        // a trailing hole: the file's length is the image's
        out.write(ByteBuffer.wrap(new byte[1]), size - 1);
      }
      out.force(true);
    }
    Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
    Files.move(tmp, target, java.nio.file.StandardCopyOption.ATOMIC_MOVE, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
  }
}
