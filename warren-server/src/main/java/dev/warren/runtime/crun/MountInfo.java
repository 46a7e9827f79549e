package dev.warren.runtime.crun;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Lines of /proc/&lt;pid&gt;/mountinfo that matter here: mount point, fs type, source, propagation. */
record MountInfo(String mountPoint, String fsType, String source, String optional) {

  static List<MountInfo> read(Path mountinfo) {
    List<String> lines;
    try {
      lines = Files.readAllLines(mountinfo);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + mountinfo, e);
    }
    List<MountInfo> out = new ArrayList<>(lines.size());
    for (String line : lines) {
      // id parent major:minor root mountpoint options optional-fields... - fstype source superoptions
      int sep = line.indexOf(" - ");
      if (sep < 0) {
        continue;
      }
      String[] head = line.substring(0, sep).split(" ");
      String[] tail = line.substring(sep + 3).split(" ");
      if (head.length < 6 || tail.length < 2) {
        continue;
      }
      StringBuilder opt = new StringBuilder();
      for (int i = 6; i < head.length; i++) {
        opt.append(head[i]).append(' ');
      }
      out.add(new MountInfo(unescape(head[4]), tail[0], unescape(tail[1]), opt.toString().strip()));
    }
    return out;
  }

  static List<MountInfo> self() {
    return read(Path.of("/proc/self/mountinfo"));
  }

  static boolean isMountPoint(Path p) {
    String s = p.toString();
    return self().stream().anyMatch(m -> m.mountPoint.equals(s));
  }

  boolean shared() {
    return optional.contains("shared:");
  }

  private static String unescape(String s) {
    if (s.indexOf('\\') < 0) {
      return s;
    }
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\\' && i + 3 < s.length()) {
        b.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
        i += 3;
      } else {
        b.append(c);
      }
    }
    return b.toString();
  }
}
