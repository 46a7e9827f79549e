package dev.warren.image;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Applies image layers, bottom first, to one directory: the flattened root filesystem of an
 * imported image. Whiteouts ({@code .wh.NAME}) remove what lower layers put there; an opaque
 * marker ({@code .wh..wh..opq}) empties its directory of what lower layers put there.
 *
 * <p>Nothing is written outside the root: a member whose name has a {@code ..} component is
 * refused (the whole import fails, naming it); symbolic links met on the way to a member are
 * followed as if the root were {@code /} (an absolute target or a {@code ..} past the top stays in
 * the root, like openat2's RESOLVE_IN_ROOT), and the member itself is never written through a link:
 * what stands at its name is removed first and files are created with O_EXCL. Device nodes and
 * FIFOs are skipped (a sandbox gets its devices from the runtime). Owners and modes (setuid bits
 * too) are kept as the layer says: the ids a sandbox sees, as in the golden images' rootfs, which
 * sandboxes stack over an idmapped lower. Extended attributes are not kept.
 *
 * <p>Not thread-safe: one unpacker per root, used by one thread that alone writes the root.
 */
final class LayerUnpacker {
  private static final String WHITEOUT = ".wh.";
  private static final String OPAQUE = ".wh..wh..opq";
  private static final int MAX_LINKS = 40;

  private final Path root;
  private long skippedDevices;

  LayerUnpacker(Path root) {
    this.root = root;
  }

  /** Devices and FIFOs skipped so far. */
  long skippedDevices() {
    return skippedDevices;
  }

  /** Applies one uncompressed layer tar; {@code layer} names it in errors. */
  void apply(InputStream tar, String layer) throws IOException {
    TarReader r = new TarReader(tar);
    Set<String> written = new HashSet<>();
    for (TarReader.Entry e; (e = r.next()) != null; ) {
      List<String> parts = components(e.name(), layer);
      if (parts.isEmpty()) {
        continue; // "./" itself
      }
      String base = parts.getLast();
      Path parent = resolveDir(parts.subList(0, parts.size() - 1), layer, e.name());
      String parentRel = rel(parent);
      if (base.equals(OPAQUE)) {
        emptyExcept(parent, written);
        continue;
      }
      if (base.startsWith(WHITEOUT)) {
        String gone = base.substring(WHITEOUT.length());
        Path target = parent.resolve(gone);
        if (!written.contains(join(parentRel, gone))) {
          delete(target);
        }
        continue;
      }
      Path p = parent.resolve(base);
      String pRel = join(parentRel, base);
      switch (e.type()) {
        case TarReader.DIRECTORY -> {
          if (!Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
            delete(p);
            Files.createDirectory(p);
          }
          owner(p, e);
        }
        case TarReader.FILE -> {
          delete(p);
          try (OutputStream out = Files.newOutputStream(p, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS)) {
            r.content().transferTo(out);
          }
          owner(p, e);
        }
        case TarReader.SYMLINK -> {
          delete(p);
          Files.createSymbolicLink(p, Path.of(e.linkName()));
          Files.setAttribute(p, "unix:uid", (int) e.uid(), LinkOption.NOFOLLOW_LINKS);
          Files.setAttribute(p, "unix:gid", (int) e.gid(), LinkOption.NOFOLLOW_LINKS);
        }
        case TarReader.HARD_LINK -> {
          List<String> to = components(e.linkName(), layer);
          if (to.isEmpty()) {
            throw new LayerException(layer, e.name(), "is a hard link to the root");
          }
          Path target = resolveDir(to.subList(0, to.size() - 1), layer, e.linkName()).resolve(to.getLast());
          if (!Files.isRegularFile(target, LinkOption.NOFOLLOW_LINKS) && !Files.isSymbolicLink(target)) {
            throw new LayerException(layer, e.name(), "is a hard link to '" + e.linkName() + "', which is not a file of the image");
          }
          if (!target.equals(p)) {
            delete(p);
            Files.createLink(p, target);
          }
        }
        case TarReader.CHAR_DEVICE, TarReader.BLOCK_DEVICE, TarReader.FIFO -> {
          skippedDevices++;
          continue;
        }
        default -> throw new LayerException(layer, e.name(), "has the tar type '" + e.type() + "', which an image layer does not use");
      }
      written.add(pRel);
    }
  }

  /** The components of a member name; a {@code ..} is refused. */
  private static List<String> components(String name, String layer) {
    List<String> out = new ArrayList<>();
    for (String c : name.split("/")) {
      if (c.isEmpty() || c.equals(".")) {
        continue;
      }
      if (c.equals("..")) {
        throw new LayerException(layer, name, "leaves the layer (a '..' component)");
      }
      if (c.indexOf('\0') >= 0) {
        throw new LayerException(layer, name, "has a NUL in its name");
      }
      out.add(c);
    }
    return out;
  }

  /**
   * The directory at {@code parts} under the root, links resolved inside the root; missing
   * directories are made (root's, 0755), as tar does for a member whose parent was not listed.
   */
  private Path resolveDir(List<String> parts, String layer, String member) throws IOException {
    java.util.ArrayDeque<String> todo = new java.util.ArrayDeque<>(parts);
    List<String> at = new ArrayList<>();
    int links = 0;
    while (!todo.isEmpty()) {
      String c = todo.pollFirst();
      if (c.isEmpty() || c.equals(".")) {
        continue;
      }
      if (c.equals("..")) {
        if (!at.isEmpty()) {
          at.removeLast();
        }
        continue;
      }
      Path p = at(at).resolve(c);
      if (Files.isSymbolicLink(p)) {
        if (++links > MAX_LINKS) {
          throw new LayerException(layer, member, "goes through more than " + MAX_LINKS + " symbolic links");
        }
        String target = Files.readSymbolicLink(p).toString();
        List<String> next = new ArrayList<>(List.of(target.split("/")));
        if (target.startsWith("/")) {
          at.clear();
        }
        for (int i = next.size() - 1; i >= 0; i--) {
          todo.addFirst(next.get(i));
        }
        continue;
      }
      if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
        Files.createDirectory(p);
      } else if (!Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
        throw new LayerException(layer, member, "is under '" + c + "', which is not a directory");
      }
      at.add(c);
    }
    return at(at);
  }

  private Path at(List<String> parts) {
    Path p = root;
    for (String c : parts) {
      p = p.resolve(c);
    }
    return p;
  }

  private String rel(Path p) {
    return root.relativize(p).toString();
  }

  private static String join(String dir, String name) {
    return dir.isEmpty() ? name : dir + "/" + name;
  }

  private static void owner(Path p, TarReader.Entry e) throws IOException {
    // chown first: it clears setuid and setgid bits, which the mode then sets
    Files.setAttribute(p, "unix:uid", (int) e.uid(), LinkOption.NOFOLLOW_LINKS);
    Files.setAttribute(p, "unix:gid", (int) e.gid(), LinkOption.NOFOLLOW_LINKS);
    Files.setAttribute(p, "unix:mode", e.mode(), LinkOption.NOFOLLOW_LINKS);
    Files.setLastModifiedTime(p, FileTime.fromMillis(e.mtime() * 1000));
  }

  /** Removes what lower layers left in {@code dir}, keeping what this layer wrote ({@code written}). */
  private void emptyExcept(Path dir, Set<String> written) throws IOException {
    if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    List<Path> children;
    try (Stream<Path> s = Files.list(dir)) {
      children = s.toList();
    }
    for (Path c : children) {
      if (!written.contains(rel(c))) {
        delete(c);
      } else if (Files.isDirectory(c, LinkOption.NOFOLLOW_LINKS)) {
        emptyExcept(c, written);
      }
    }
  }

  /** Removes {@code p} and, for a directory, all under it; links are removed, never followed. */
  static void delete(Path p) throws IOException {
    if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    if (!Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
      Files.delete(p);
      return;
    }
    Files.walkFileTree(p, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult visitFile(Path f, BasicFileAttributes a) throws IOException {
        Files.delete(f);
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
        if (e != null) {
          throw e;
        }
        Files.delete(d);
        return FileVisitResult.CONTINUE;
      }
    });
  }

  /** A layer member that cannot be unpacked safely; the import is refused (400 naming the body). */
  static final class LayerException extends dev.warren.error.WarrenException {
    LayerException(String layer, String member, String why) {
      super(dev.warren.error.Problem.INVALID_INPUT, "body: layer " + layer + ": member '" + (member.length() > 200 ? member.substring(0, 200) + "…" : member)
          + "' " + why + "; nothing was imported", java.util.Optional.of("body"), java.util.Map.of(), null);
    }
  }
}
