package dev.warren.image;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The user an image's config names ({@code USER name}, {@code uid}, {@code name:group}, …) as the
 * ids its {@code /etc/passwd} and {@code /etc/group} give, read from the image's tree on the host
 * (never through a link of the image). Stateless.
 */
public final class ImageUsers {
  private ImageUsers() {}

  /** A user's ids and home directory ({@code /} when the image does not say). */
  public record User(long uid, long gid, String home) {
    public boolean root() {
      return uid == 0 && gid == 0;
    }

    /** {@code argv} run as this user: setpriv, from util-linux (in every Debian image), with the user's ids and no extra groups. */
    public List<String> wrap(List<String> argv) {
      List<String> out = new java.util.ArrayList<>(List.of("setpriv", "--reuid=" + uid, "--regid=" + gid, "--clear-groups", "--"));
      out.addAll(argv);
      return out;
    }
  }

  /** The ids {@code spec} names in the image at {@code rootfs}; empty when a name is not in its files. */
  public static Optional<User> resolve(Path rootfs, String spec) {
    if (spec.isEmpty()) {
      return Optional.of(new User(0, 0, "/root"));
    }
    int colon = spec.indexOf(':');
    String user = colon < 0 ? spec : spec.substring(0, colon);
    Optional<String> group = colon < 0 ? Optional.empty() : Optional.of(spec.substring(colon + 1));
    Optional<String[]> pw = entry(rootfs, "passwd", user);
    long uid;
    long gid;
    String home;
    if (user.matches("[0-9]+")) {
      uid = Long.parseLong(user);
      Optional<String[]> byUid = entries(rootfs, "passwd").stream().filter(e -> e[2].equals(user)).findFirst();
      gid = byUid.map(e -> Long.parseLong(e[3])).orElse(uid);
      home = byUid.map(e -> e.length > 5 ? e[5] : "/").orElse("/");
    } else if (pw.isPresent()) {
      uid = Long.parseLong(pw.get()[2]);
      gid = Long.parseLong(pw.get()[3]);
      home = pw.get().length > 5 ? pw.get()[5] : "/";
    } else {
      return Optional.empty();
    }
    if (group.isPresent()) {
      if (group.get().matches("[0-9]+")) {
        gid = Long.parseLong(group.get());
      } else {
        Optional<String[]> g = entry(rootfs, "group", group.get());
        if (g.isEmpty()) {
          return Optional.empty();
        }
        gid = Long.parseLong(g.get()[2]);
      }
    }
    return Optional.of(new User(uid, gid, home.isEmpty() ? "/" : home));
  }

  private static Optional<String[]> entry(Path rootfs, String file, String name) {
    return entries(rootfs, file).stream().filter(e -> e[0].equals(name)).findFirst();
  }

  private static List<String[]> entries(Path rootfs, String file) {
    Path etc = rootfs.resolve("etc");
    Path f = etc.resolve(file);
    if (Files.isSymbolicLink(etc) || !Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS)) {
      return List.of();
    }
    try {
      return Files.readAllLines(f, StandardCharsets.UTF_8).stream().map(l -> l.split(":", -1)).filter(p -> p.length >= 4
          && p[2].matches("[0-9]+") && (file.equals("group") || p[3].matches("[0-9]+"))).toList();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + f, e);
    }
  }
}
