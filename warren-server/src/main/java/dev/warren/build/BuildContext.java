package dev.warren.build;

import dev.warren.error.WarrenException;
import dev.warren.image.TarReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

/**
 * A build's context: the tar the caller sent, written out under the build's work directory
 * (root's, modes kept, owners not), then trimmed by its {@code .dockerignore}. Members are
 * written only below the directory: a name with a {@code ..} component, or one that goes through
 * a symbolic link the archive made, is refused (400). Symbolic links are kept as links and are
 * never followed out of the context: COPY follows one only to a target inside it
 * ({@link #resolve}). Not thread-safe: one build's thread.
 */
final class BuildContext {
  /** The largest context read. */
  static final long MAX_BYTES = 4L << 30;
  private final Path root;

  private BuildContext(Path root) {
    this.root = root;
  }

  Path root() {
    return root;
  }

  /** Writes the context tar read from {@code body} into {@code dir} (made here); 400 when it is not a tar or leaves the directory, 413 past the limit. */
  static BuildContext unpack(InputStream body, Path dir) throws IOException {
    Files.createDirectories(dir);
    TarReader r = new TarReader(body);
    long total = 0;
    for (TarReader.Entry e; (e = r.next()) != null; ) {
      List<String> parts = components(e.name(), "context member");
      if (parts.isEmpty()) {
        continue;
      }
      Path p = inside(dir, parts, e.name());
      switch (e.type()) {
        case TarReader.DIRECTORY -> {
          if (!Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
            Files.createDirectory(p);
          }
          Files.setAttribute(p, "unix:mode", (e.mode() & 0777) | 0700, LinkOption.NOFOLLOW_LINKS);
        }
        case TarReader.FILE -> {
          total += e.size();
          if (total > MAX_BYTES) {
            throw new WarrenException(dev.warren.error.Problem.TOO_LARGE, "the build context is over " + MAX_BYTES + " bytes");
          }
          Files.deleteIfExists(p);
          try (OutputStream out = Files.newOutputStream(p, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS)) {
            r.content().transferTo(out);
          }
          Files.setAttribute(p, "unix:mode", e.mode() & 07777, LinkOption.NOFOLLOW_LINKS);
        }
        case TarReader.SYMLINK -> {
          Files.deleteIfExists(p);
          Files.createSymbolicLink(p, Path.of(e.linkName()));
        }
        case TarReader.HARD_LINK -> {
          Path target = inside(dir, components(e.linkName(), "context member"), e.linkName());
          if (!Files.isRegularFile(target, LinkOption.NOFOLLOW_LINKS)) {
            throw WarrenException.invalid("body", "the context member '" + e.name() + "' is a hard link to '" + e.linkName() + "', which is not a file before it");
          }
          Files.deleteIfExists(p);
          Files.copy(target, p);
        }
        default -> {
          // devices, FIFOs: nothing a COPY takes
        }
      }
    }
    return new BuildContext(dir);
  }

  /** The components of a relative name; {@code ..} refused (400 saying {@code what}). */
  static List<String> components(String name, String what) {
    List<String> out = new ArrayList<>();
    for (String c : name.split("/")) {
      if (c.isEmpty() || c.equals(".")) {
        continue;
      }
      if (c.equals("..")) {
        throw WarrenException.invalid("body", "the " + what + " '" + name + "' leaves the build context (a '..' component)");
      }
      out.add(c);
    }
    return out;
  }

  /** {@code parts} under {@code dir}, its parents made; refused when one of them is a symbolic link. */
  private static Path inside(Path dir, List<String> parts, String name) throws IOException {
    Path p = dir;
    for (int i = 0; i < parts.size() - 1; i++) {
      p = p.resolve(parts.get(i));
      if (Files.isSymbolicLink(p)) {
        throw WarrenException.invalid("body", "the context member '" + name + "' goes through the symbolic link '" + dir.relativize(p) + "'");
      }
      if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
        Files.createDirectory(p);
      }
    }
    return p.resolve(parts.getLast());
  }

  /** The Dockerfile at {@code path} in the context, read whole; 400 when it is missing, a link, or too large. */
  String dockerfile(String path) throws IOException {
    Path p = root;
    for (String c : components(path, "Dockerfile path")) {
      p = p.resolve(c);
      if (Files.isSymbolicLink(p)) {
        throw WarrenException.invalid("dockerfile", "the Dockerfile '" + path + "' is or goes through a symbolic link");
      }
    }
    if (!Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
      throw WarrenException.invalid("dockerfile", "the build context has no file '" + path + "' (the Dockerfile): send a tar holding it");
    }
    if (Files.size(p) > Dockerfile.MAX_BYTES) {
      throw WarrenException.invalid("dockerfile", "the Dockerfile is over " + Dockerfile.MAX_BYTES + " bytes");
    }
    return Files.readString(p, StandardCharsets.UTF_8);
  }

  /** Removes what {@code .dockerignore} excludes (the Dockerfile itself stays readable: call {@link #dockerfile} first). */
  void applyIgnore() throws IOException {
    Path f = root.resolve(".dockerignore");
    if (!Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    List<String> patterns = new ArrayList<>();
    for (String l : Files.readAllLines(f, StandardCharsets.UTF_8)) {
      String t = l.strip();
      if (!t.isEmpty() && !t.startsWith("#")) {
        patterns.add(t);
      }
    }
    List<Path> all;
    try (Stream<Path> s = Files.walk(root)) {
      all = s.filter(p -> !p.equals(root)).sorted().toList();
    }
    List<Path> ignored = new ArrayList<>();
    for (Path p : all) {
      String rel = root.relativize(p).toString();
      boolean out = false;
      for (String pattern : patterns) {
        boolean negate = pattern.startsWith("!");
        String glob = String.join("/", components(negate ? pattern.substring(1) : pattern, ".dockerignore pattern"));
        if (matchesOrParent(glob, rel)) {
          out = !negate;
        }
      }
      if (out) {
        ignored.add(p);
      }
    }
    // deepest first: a directory kept for a negated pattern inside it keeps its parents too
    for (Path p : ignored.reversed()) {
      if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
        try (Stream<Path> s = Files.list(p)) {
          if (s.findAny().isPresent()) {
            continue;
          }
        }
      }
      Files.deleteIfExists(p);
    }
  }

  /** Whether the glob matches {@code rel} or one of its parents (an ignored directory ignores all in it). */
  private static boolean matchesOrParent(String glob, String rel) {
    PathMatcher m = FileSystems.getDefault().getPathMatcher("glob:" + glob);
    for (Path p = Path.of(rel); p != null; p = p.getParent()) {
      if (m.matches(p)) {
        return true;
      }
    }
    return false;
  }

  /**
   * The files and directories a COPY source names: a path or a glob, relative to the context's top
   * whether or not it starts with {@code /}. A symbolic link named (or met on the way) is followed
   * inside the context only; one pointing out of it, or a {@code ..} leaving it, is a 400 naming
   * the Dockerfile line. None matched is a 400 too.
   */
  List<Path> resolve(String source, Instruction ins) throws IOException {
    List<String> parts;
    try {
      parts = components(source, "COPY source");
    } catch (WarrenException e) {
      throw Dockerfile.invalid(ins.line(), ins.keyword(), "source '" + source + "' is outside the build context (a '..' component)");
    }
    String rel = String.join("/", parts);
    if (rel.chars().anyMatch(c -> c == '*' || c == '?' || c == '[')) {
      PathMatcher m = FileSystems.getDefault().getPathMatcher("glob:" + rel);
      List<Path> out = new ArrayList<>();
      try (Stream<Path> s = Files.walk(root)) {
        for (Path p : s.sorted().toList()) {
          if (!p.equals(root) && m.matches(root.relativize(p))) {
            out.add(follow(root.relativize(p).toString(), source, ins));
          }
        }
      }
      if (out.isEmpty()) {
        throw Dockerfile.invalid(ins.line(), ins.keyword(), "source '" + source + "' matches no file of the build context");
      }
      return out;
    }
    return List.of(follow(rel, source, ins));
  }

  /** {@code rel} in the context, symbolic links followed only while they stay inside it. */
  private Path follow(String rel, String source, Instruction ins) throws IOException {
    java.util.ArrayDeque<String> todo = new java.util.ArrayDeque<>(rel.isEmpty() ? List.of() : List.of(rel.split("/")));
    List<String> at = new ArrayList<>();
    int links = 0;
    while (!todo.isEmpty()) {
      String c = todo.pollFirst();
      if (c.isEmpty() || c.equals(".")) {
        continue;
      }
      if (c.equals("..")) {
        if (at.isEmpty()) {
          throw Dockerfile.invalid(ins.line(), ins.keyword(), "source '" + source + "' leads outside the build context through a symbolic link");
        }
        at.removeLast();
        continue;
      }
      Path p = root.resolve(String.join("/", at)).resolve(c);
      if (Files.isSymbolicLink(p)) {
        if (++links > 40) {
          throw Dockerfile.invalid(ins.line(), ins.keyword(), "source '" + source + "' goes through more than 40 symbolic links");
        }
        String target = Files.readSymbolicLink(p).toString();
        if (target.startsWith("/")) {
          throw Dockerfile.invalid(ins.line(), ins.keyword(), "source '" + source + "' is a symbolic link to '" + target
              + "', outside the build context");
        }
        List<String> next = List.of(target.split("/"));
        for (int i = next.size() - 1; i >= 0; i--) {
          todo.addFirst(next.get(i));
        }
        continue;
      }
      if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
        throw Dockerfile.invalid(ins.line(), ins.keyword(), "source '" + source + "' is not in the build context");
      }
      at.add(c);
    }
    return root.resolve(String.join("/", at));
  }

  /** sha256 of what the sources hold: names, types, modes, contents, link targets (links inside not followed). */
  String digest(List<Path> sources) throws IOException {
    MessageDigest sha = sha256();
    for (Path s : sources) {
      List<Path> all;
      try (Stream<Path> w = Files.walk(s)) {
        all = w.sorted().toList();
      }
      for (Path p : all) {
        var a = Files.readAttributes(p, "unix:mode,size", LinkOption.NOFOLLOW_LINKS);
        sha.update((root.relativize(p) + "\0" + a.get("mode") + "\0").getBytes(StandardCharsets.UTF_8));
        if (Files.isSymbolicLink(p)) {
          sha.update(Files.readSymbolicLink(p).toString().getBytes(StandardCharsets.UTF_8));
        } else if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
          try (InputStream in = Files.newInputStream(p, LinkOption.NOFOLLOW_LINKS)) {
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0; ) {
              sha.update(buf, 0, n);
            }
          }
        }
        sha.update((byte) '\n');
      }
    }
    return HexFormat.of().formatHex(sha.digest());
  }

  static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
