package dev.warren.host;

import java.nio.file.attribute.PosixFilePermission;
import java.util.EnumSet;
import java.util.Set;

/** Octal file modes and the JDK's permission sets, one to the other (permission bits only). */
public final class FileModes {
  private static final PosixFilePermission[] BITS = PosixFilePermission.values();

  private FileModes() {}

  /** The permission set of {@code mode}, e.g. {@code 0640}. */
  public static Set<PosixFilePermission> permissions(int mode) {
    Set<PosixFilePermission> out = EnumSet.noneOf(PosixFilePermission.class);
    for (PosixFilePermission p : BITS) {
      if ((mode & (0400 >> p.ordinal())) != 0) {
        out.add(p);
      }
    }
    return out;
  }

  /** The octal mode of {@code perms}, e.g. {@code 0640}. */
  public static int mode(Set<PosixFilePermission> perms) {
    int mode = 0;
    for (PosixFilePermission p : perms) {
      mode |= 0400 >> p.ordinal();
    }
    return mode;
  }

  /** Creates {@code dir} (and its parents) unless it exists, and gives it mode 0700: its owner's alone. */
  public static void privateDirectory(java.nio.file.Path dir) throws java.io.IOException {
    java.nio.file.Files.createDirectories(dir);
    java.nio.file.Files.setPosixFilePermissions(dir, permissions(0700));
  }

  /** {@code mode} as four octal digits. */
  public static String octal(int mode) {
    return String.format("%04o", mode);
  }
}
