package dev.warren.image;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.util.HashSet;
import java.util.Set;

/** Walks image trees without following symbolic links or crossing into other filesystems. */
final class Trees {
  private Trees() {}

  /** Apparent size of the regular files and links in the tree, each hard-linked file counted once. */
  static long size(Path root) {
    Set<Object> seen = new HashSet<>();
    long[] total = {0};
    try {
      Files.walkFileTree(root, new SimpleFileVisitor<>() {
        @Override
        public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
          if ((attrs.isRegularFile() || attrs.isSymbolicLink()) && (attrs.fileKey() == null || seen.add(attrs.fileKey()))) {
            total[0] += attrs.size();
          }
          return FileVisitResult.CONTINUE;
        }
      });
    } catch (IOException e) {
      throw new ImageException("cannot measure " + root, e);
    }
    return total[0];
  }

  /**
   * Deletes the tree after unmounting anything mounted inside it; refuses to descend into another
   * filesystem, so a mount that could not be seen is never emptied.
   */
  static void delete(Path root) {
    if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    Mounts.unmountAll(root);
    try {
      Object device = Files.getAttribute(root, "unix:dev", LinkOption.NOFOLLOW_LINKS);
      Files.walkFileTree(root, new SimpleFileVisitor<>() {
        @Override
        public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
          if (!device.equals(Files.getAttribute(dir, "unix:dev", LinkOption.NOFOLLOW_LINKS))) {
            throw new IOException(dir + " is on another filesystem (a mount point); not deleting through it");
          }
          Set<PosixFilePermission> perms = Files.getPosixFilePermissions(dir);
          if (!perms.contains(PosixFilePermission.OWNER_WRITE) || !perms.contains(PosixFilePermission.OWNER_EXECUTE)) {
            perms.add(PosixFilePermission.OWNER_WRITE);
            perms.add(PosixFilePermission.OWNER_EXECUTE);
            Files.setPosixFilePermissions(dir, perms);
          }
          return FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
          Files.deleteIfExists(file);
          return FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
          if (e != null) {
            throw e;
          }
          Files.deleteIfExists(dir);
          return FileVisitResult.CONTINUE;
        }
      });
    } catch (NoSuchFileException gone) {
      // deleted by someone else meanwhile: the goal is reached
    } catch (IOException e) {
      throw new ImageException("cannot delete " + root + ": " + e.getMessage(), e);
    }
  }
}
