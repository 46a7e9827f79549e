package dev.warren.image;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * What is mounted where, read from {@code /proc/<pid>/mountinfo}. Builds must leave no mount behind
 * and nothing may be deleted through a mount point, so every delete asks here first.
 */
final class Mounts {
  private Mounts() {}

  /** One mountinfo line: the filesystem's device, the path within it, where it is, its type and options. */
  record Mount(String device, String root, Path mountPoint, String type, String superOptions) {}

  /** Mount points at or below {@code dir} in this process's mount namespace, deepest first. */
  static List<Path> under(Path dir) {
    Path real = real(dir);
    return read(Path.of("/proc/self/mountinfo")).stream()
        .map(Mount::mountPoint)
        .filter(p -> p.startsWith(real))
        .distinct()
        .sorted(Comparator.comparingInt(Path::getNameCount).reversed())
        .toList();
  }

  /**
   * Unmounts everything at or below {@code dir} (deepest first, lazily if a plain unmount fails) and
   * verifies that nothing is left.
   *
   * @throws ImageException naming what is still mounted
   */
  static void unmountAll(Path dir) {
    for (Path mountPoint : under(dir)) {
      if (!run("umount", mountPoint.toString())) {
        run("umount", "--lazy", mountPoint.toString());
      }
    }
    List<Path> left = under(dir);
    if (!left.isEmpty()) {
      throw new ImageException("still mounted below " + dir + " after umount: " + left + "; unmount them by hand");
    }
  }

  /**
   * Whether any mount in any mount namespace on this machine uses {@code dir}: a mount point below
   * it, a bind or idmapped mount of something below it, or an overlay naming it in its options.
   */
  static boolean inUse(Path dir) {
    Path real = real(dir);
    String device;
    Path withinDevice;
    try {
      long dev = (Long) Files.getAttribute(real, "unix:dev");
      device = major(dev) + ":" + minor(dev);
      Mount holder = containing(real);
      withinDevice = holder == null ? real : Path.of(holder.root()).resolve(holder.mountPoint().relativize(real));
    } catch (IOException | UnsupportedOperationException e) {
      return true;
    }
    for (Mount m : allNamespaces()) {
      if (m.mountPoint().startsWith(real)
          || (m.device().equals(device) && Path.of(m.root()).startsWith(withinDevice) && !m.root().equals("/"))
          || (m.type().equals("overlay") && m.superOptions().contains(real.toString()))) {
        return true;
      }
    }
    return false;
  }

  private static Mount containing(Path real) {
    Mount best = null;
    for (Mount m : read(Path.of("/proc/self/mountinfo"))) {
      if (real.startsWith(m.mountPoint()) && (best == null || m.mountPoint().getNameCount() >= best.mountPoint().getNameCount())) {
        best = m;
      }
    }
    return best;
  }

  private static List<Mount> allNamespaces() {
    List<Mount> mounts = new ArrayList<>(read(Path.of("/proc/self/mountinfo")));
    Set<String> seen = new HashSet<>();
    try (DirectoryStream<Path> procs = Files.newDirectoryStream(Path.of("/proc"), p -> p.getFileName().toString().matches("\\d+"))) {
      for (Path proc : procs) {
        try {
          if (seen.add(Files.readSymbolicLink(proc.resolve("ns/mnt")).toString())) {
            mounts.addAll(read(proc.resolve("mountinfo")));
          }
        } catch (IOException | SecurityException gone) {
          // the process ended or is not ours to read; its namespace is seen through another or not at all
        }
      }
    } catch (IOException e) {
      throw new ImageException("cannot list /proc to look for mounts", e);
    }
    return mounts;
  }

  static List<Mount> read(Path mountinfo) {
    List<String> lines;
    try {
      lines = Files.readAllLines(mountinfo);
    } catch (IOException e) {
      return List.of();
    }
    List<Mount> mounts = new ArrayList<>();
    for (String line : lines) {
      String[] f = line.split(" ");
      int dash = List.of(f).indexOf("-");
      if (dash < 6 || dash + 2 >= f.length) {
        continue;
      }
      mounts.add(new Mount(f[2], unescape(f[3]), Path.of(unescape(f[4])), f[dash + 1], dash + 3 < f.length ? f[dash + 3] : ""));
    }
    return mounts;
  }

  /** mountinfo writes space, tab, newline and backslash as three-digit octal escapes. */
  private static String unescape(String s) {
    if (s.indexOf('\\') < 0) {
      return s;
    }
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\\' && i + 3 < s.length() && s.substring(i + 1, i + 4).matches("[0-7]{3}")) {
        out.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
        i += 3;
      } else {
        out.append(c);
      }
    }
    return out.toString();
  }

  private static Path real(Path dir) {
    try {
      return dir.toRealPath();
    } catch (IOException e) {
      return dir.toAbsolutePath().normalize();
    }
  }

  private static long major(long dev) {
    return ((dev >>> 8) & 0xfff) | ((dev >>> 32) & ~0xfffL);
  }

  private static long minor(long dev) {
    return (dev & 0xff) | ((dev >>> 12) & ~0xffL);
  }

  private static boolean run(String... command) {
    try {
      Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return false;
      }
      return p.exitValue() == 0;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ImageException("interrupted while running " + String.join(" ", command), e);
    }
  }
}
