package dev.warren.build;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The layer of a COPY (or ADD of context files), written from the context without a sandbox:
 * owners from {@code --chown} (names looked up in the image's {@code /etc/passwd} and
 * {@code /etc/group}) or root, modes as the context has them or {@code --chmod}, and the
 * directories on the way to the destination that the image lacks (root's, 0755). Stateless.
 */
final class CopyLayer {
  private CopyLayer() {}

  /** Owner ids a {@code user[:group]} names in the image at {@code tree} (empty: scratch); 400 naming the line when one is unknown. */
  record Owner(long uid, long gid) {
    static final Owner ROOT = new Owner(0, 0);

    static Owner parse(String spec, Optional<Path> tree, Instruction ins) throws IOException {
      int colon = spec.indexOf(':');
      String user = colon < 0 ? spec : spec.substring(0, colon);
      String group = colon < 0 ? null : spec.substring(colon + 1);
      long uid = id(user, tree, "etc/passwd", 2, ins, "user");
      long gid;
      if (group != null) {
        gid = id(group, tree, "etc/group", 2, ins, "group");
      } else if (user.matches("[0-9]+")) {
        gid = uid;
      } else {
        gid = Long.parseLong(entry(user, tree, "etc/passwd", ins, "user")[3]);
      }
      return new Owner(uid, gid);
    }

    private static long id(String name, Optional<Path> tree, String file, int field, Instruction ins, String what) throws IOException {
      if (name.matches("[0-9]+")) {
        return Long.parseLong(name);
      }
      return Long.parseLong(entry(name, tree, file, ins, what)[field]);
    }
  }

  /** The line of {@code file} in the image (not through links) whose first field is {@code name}. */
  static String[] entry(String name, Optional<Path> tree, String file, Instruction ins, String what) throws IOException {
    if (tree.isPresent()) {
      Path etc = tree.get().resolve("etc");
      Path f = etc.resolve(file.substring("etc/".length()));
      if (!Files.isSymbolicLink(etc) && Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS)) {
        for (String l : Files.readAllLines(f, StandardCharsets.UTF_8)) {
          String[] parts = l.split(":", -1);
          if (parts.length >= 4 && parts[0].equals(name)) {
            return parts;
          }
        }
      }
    }
    throw Dockerfile.invalid(ins.line(), ins.keyword(), "names the " + what + " '" + name + "', which the image's /" + file + " does not list");
  }

  /**
   * Writes the sources into {@code tar} at {@code dest} (absolute, as the instruction meant it):
   * a directory's contents go into {@code dest}; a file goes to {@code dest} itself unless
   * {@code dest} ends with {@code /}, names a directory of the image, or there are several sources.
   */
  static void write(LayerTar tar, Path contextRoot, List<Path> sources, String dest, Owner owner, Optional<Integer> chmod, Optional<Path> tree)
      throws IOException {
    boolean intoDir = dest.endsWith("/") || sources.size() > 1 || Files.isDirectory(sources.getFirst(), LinkOption.NOFOLLOW_LINKS)
        || (tree.isPresent() && isDir(tree.get(), rel(dest)));
    String target = rel(dest);
    long now = System.currentTimeMillis() / 1000;
    parents(tar, tree, intoDir ? target : parentOf(target), now);
    for (Path s : sources) {
      if (Files.isDirectory(s, LinkOption.NOFOLLOW_LINKS)) {
        try (Stream<Path> all = Files.walk(s)) {
          for (Path p : all.sorted().toList()) {
            String sub = s.relativize(p).toString();
            String name = sub.isEmpty() ? target : join(target, sub);
            if (name.isEmpty()) {
              continue; // the root itself keeps its owner and mode
            }
            entry(tar, p, name, owner, chmod);
          }
        }
      } else {
        entry(tar, s, intoDir ? join(target, s.getFileName().toString()) : target, owner, chmod);
      }
    }
  }

  /** Directory entries (root's, 0755) for the components of {@code dir} the image lacks; none past a link of the image. */
  static void parents(LayerTar tar, Optional<Path> tree, String dir, long mtime) throws IOException {
    if (dir.isEmpty()) {
      return;
    }
    String at = "";
    for (String c : dir.split("/")) {
      at = join(at, c);
      if (tree.isPresent()) {
        Path p = tree.get().resolve(at);
        if (Files.isSymbolicLink(p)) {
          return; // the layer's unpacking follows it inside the image
        }
        if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
          continue;
        }
      }
      tar.directory(at, 0755, 0, 0, mtime);
    }
  }

  private static void entry(LayerTar tar, Path p, String name, Owner owner, Optional<Integer> chmod) throws IOException {
    Map<String, Object> a = Files.readAttributes(p, "unix:mode,size,lastModifiedTime", LinkOption.NOFOLLOW_LINKS);
    int mode = chmod.orElse(((int) a.get("mode")) & 07777);
    long mtime = ((java.nio.file.attribute.FileTime) a.get("lastModifiedTime")).toMillis() / 1000;
    if (Files.isSymbolicLink(p)) {
      tar.symlink(name, Files.readSymbolicLink(p).toString(), owner.uid(), owner.gid(), mtime);
    } else if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
      tar.directory(name, mode, owner.uid(), owner.gid(), mtime);
    } else if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
      try (InputStream in = Files.newInputStream(p, LinkOption.NOFOLLOW_LINKS)) {
        tar.file(name, mode, owner.uid(), owner.gid(), mtime, (long) a.get("size"), in);
      }
    }
  }

  private static boolean isDir(Path tree, String rel) {
    return !rel.isEmpty() && Files.isDirectory(tree.resolve(rel), LinkOption.NOFOLLOW_LINKS) || rel.isEmpty();
  }

  /** An absolute path in the image as a member name: no leading slash, no {@code .} or empty components. */
  static String rel(String absolute) {
    return String.join("/", java.util.Arrays.stream(absolute.split("/")).filter(c -> !c.isEmpty() && !c.equals(".")).toList());
  }

  private static String parentOf(String rel) {
    int slash = rel.lastIndexOf('/');
    return slash < 0 ? "" : rel.substring(0, slash);
  }

  static String join(String a, String b) {
    return a.isEmpty() ? b : b.isEmpty() ? a : a + "/" + b;
  }
}
