package dev.warren.build;

import dev.warren.host.Syscalls;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Writes a tree of files as a layer tar, in name order, links never followed. For the capture of a
 * sandbox's overlay upper directory ({@code overlay}): a character device 0/0 (overlayfs' mark of
 * a deleted file) becomes {@code .wh.NAME}, a directory carrying {@code trusted.overlay.opaque=y}
 * (one that replaced a directory below) is followed by {@code .wh..wh..opq}. Owners are written as
 * the tree has them (a capture's are shifted to the ids the sandbox saw already). Sockets, FIFOs
 * and devices are left out. Stateless.
 */
final class TreeTar {
  private static final int S_IFMT = 0170000;
  private static final int S_IFCHR = 0020000;
  /**
   * What the runtime mounts over a sandbox's root filesystem (its helpers, host files, kernel
   * filesystems): the mount points it made in the upper directory are not the build's.
   */
  private static final Set<String> MOUNT_POINTS = Set.of(".warren", "proc", "sys", "dev", "run", "etc/hosts", "etc/hostname", "etc/resolv.conf");

  private TreeTar() {}

  /** Writes what is under {@code root} (not the root itself); {@code overlay} for a captured upper directory. */
  static void write(Path root, LayerTar tar, boolean overlay) throws IOException {
    walk(root, root, "", tar, overlay, new HashMap<>());
  }

  private static void walk(Path root, Path dir, String prefix, LayerTar tar, boolean overlay, Map<Object, String> links) throws IOException {
    List<Path> children;
    try (Stream<Path> s = Files.list(dir)) {
      children = s.sorted().toList();
    }
    for (Path p : children) {
      String name = prefix + p.getFileName();
      Map<String, Object> a = Files.readAttributes(p, "unix:mode,uid,gid,rdev,ino,dev,nlink,size,lastModifiedTime", LinkOption.NOFOLLOW_LINKS);
      int mode = (int) a.get("mode");
      long uid = ((Number) a.get("uid")).longValue();
      long gid = ((Number) a.get("gid")).longValue();
      long mtime = ((java.nio.file.attribute.FileTime) a.get("lastModifiedTime")).toMillis() / 1000;
      if (overlay && MOUNT_POINTS.contains(name) && mountPointLeftover(p, mode, a)) {
        continue;
      }
      if (Files.isSymbolicLink(p)) {
        tar.symlink(name, Files.readSymbolicLink(p).toString(), uid, gid, mtime);
      } else if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
        tar.directory(name, mode, uid, gid, mtime);
        if (overlay && opaque(p)) {
          tar.file(name + "/.wh..wh..opq", 0644, 0, 0, mtime, 0, InputStream.nullInputStream());
        }
        walk(root, p, name + "/", tar, overlay, links);
      } else if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
        if (((Number) a.get("nlink")).intValue() > 1) {
          Object key = a.get("dev") + ":" + a.get("ino");
          String first = links.putIfAbsent(key, name);
          if (first != null) {
            tar.hardLink(name, first, uid, gid, mtime);
            continue;
          }
        }
        try (InputStream in = Files.newInputStream(p, LinkOption.NOFOLLOW_LINKS)) {
          tar.file(name, mode, uid, gid, mtime, (long) a.get("size"), in);
        }
      } else if (overlay && (mode & S_IFMT) == S_IFCHR && ((Number) a.get("rdev")).longValue() == 0) {
        tar.file(prefix + ".wh." + p.getFileName(), 0644, 0, 0, mtime, 0, InputStream.nullInputStream());
      }
    }
  }

  /** An empty directory or file the runtime made to mount over; a file with content there is the build's own. */
  private static boolean mountPointLeftover(Path p, int mode, Map<String, Object> a) throws IOException {
    if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
      return true; // kernel filesystems and the helpers are mounted over these: nothing a step writes there is kept
    }
    return Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS) && (long) a.get("size") == 0;
  }

  private static boolean opaque(Path dir) {
    return Syscalls.lgetxattr(dir.toString(), "trusted.overlay.opaque").map(v -> v.length > 0 && v[0] == 'y').orElse(false);
  }
}
