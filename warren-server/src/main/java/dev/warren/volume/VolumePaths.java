package dev.warren.volume;

import dev.warren.error.WarrenException;
import dev.warren.runtime.VolumeMount;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The checks of a create's {@code volumes}: each names a volume by a valid name, at an absolute
 * path without {@code .} or {@code ..} components, not over a system path, each path once. The
 * system paths are the root itself and the directories a sandbox needs for its programs
 * ({@link #SYSTEM}), and anything under the kernel's, Warren's and the runtime's own mounts
 * ({@link #SYSTEM_TREES}: /proc, /sys, /dev, /run, /etc and /.warren, where Warren binds its files).
 * Paths under /usr, /var, /opt, /home, /root, /tmp and elsewhere are the caller's. One volume's path
 * may not lie inside another's (its mount point would have to be made on the other volume).
 */
public final class VolumePaths {
  public static final List<String> SYSTEM = List.of("/", "/bin", "/boot", "/lib", "/lib32", "/lib64", "/libx32", "/sbin", "/usr",
      "/usr/bin", "/usr/sbin", "/usr/lib", "/usr/lib32", "/usr/lib64", "/usr/libexec", "/var", "/var/lib");
  public static final List<String> SYSTEM_TREES = List.of("/proc", "/sys", "/dev", "/run", "/etc", "/.warren");
  public static final int MAX_MOUNTS = 16;
  private static final int MAX_PATH = 1024;

  private VolumePaths() {}

  /** Throws a 400 naming the field ({@code volumes[i].name}, {@code volumes[i].path}) of the first bad mount. */
  public static void check(List<VolumeMount> mounts) {
    if (mounts.size() > MAX_MOUNTS) {
      throw WarrenException.invalid("volumes", "at most " + MAX_MOUNTS + " volumes per sandbox, got " + mounts.size());
    }
    Set<String> paths = new HashSet<>();
    Set<String> names = new HashSet<>();
    for (int i = 0; i < mounts.size(); i++) {
      VolumeMount m = mounts.get(i);
      String field = "volumes[" + i + "]";
      Volume.checkName(field + ".name", m.name());
      String p = m.path();
      if (!p.startsWith("/") || p.length() > MAX_PATH || p.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
        throw WarrenException.invalid(field + ".path", field + ".path must be an absolute path of at most " + MAX_PATH
            + " printable characters, got '" + shown(p) + "'");
      }
      String norm = p.length() > 1 && p.endsWith("/") ? p.substring(0, p.length() - 1) : p;
      for (String part : norm.substring(1).split("/", -1)) {
        if (norm.length() > 1 && (part.isEmpty() || part.equals(".") || part.equals(".."))) {
          throw WarrenException.invalid(field + ".path", field + ".path must not contain empty, '.' or '..' components (it stays inside "
              + "the sandbox's root), got '" + shown(p) + "'");
        }
      }
      if (SYSTEM.contains(norm) || SYSTEM_TREES.stream().anyMatch(t -> norm.equals(t) || norm.startsWith(t + "/"))) {
        throw WarrenException.invalid(field + ".path", field + ".path '" + shown(p) + "' is over a system path; volumes may not be mounted at "
            + SYSTEM + " or under " + SYSTEM_TREES);
      }
      if (!paths.add(norm)) {
        throw WarrenException.invalid(field + ".path", field + ".path '" + shown(p) + "' is given twice");
      }
      for (String other : paths) {
        if (!other.equals(norm) && (norm.startsWith(other + "/") || other.startsWith(norm + "/"))) {
          throw WarrenException.invalid(field + ".path", field + ".path '" + shown(p) + "' and '" + other
              + "' lie one inside the other; give volumes paths apart");
        }
      }
      if (!names.add(m.name())) {
        throw WarrenException.invalid(field + ".name", field + ".name '" + m.name() + "' is given twice: mount a volume once per sandbox");
      }
    }
  }

  /** The mounts with their paths in the form kept (no trailing slash). */
  public static List<VolumeMount> normalized(List<VolumeMount> mounts) {
    return mounts.stream().map(m -> m.path().length() > 1 && m.path().endsWith("/")
        ? new VolumeMount(m.name(), m.path().substring(0, m.path().length() - 1), m.readOnly()) : m).toList();
  }

  private static String shown(String s) {
    return s.length() > 80 ? s.substring(0, 80) + "…" : s;
  }
}
