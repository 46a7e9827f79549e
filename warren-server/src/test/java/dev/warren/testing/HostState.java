package dev.warren.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** What a sandbox or an instance leaves on the host, read the way an operator would. */
public final class HostState {
  private HostState() {}

  /** Mount points whose path contains {@code fragment}, from the host's and crun's namespaces. */
  public static List<String> mountsContaining(String fragment) {
    List<String> out = new ArrayList<>();
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
        String mp = line.split(" ")[4];
        if (mp.contains(fragment)) {
          out.add(mp);
        }
      }
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    return out;
  }

  /** The per-mount options (field 6 of /proc/self/mountinfo) of the mount at {@code mountPoint}; empty if none. */
  public static List<String> mountOptions(Path mountPoint) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
        String[] f = line.split(" ");
        if (f[4].equals(mountPoint.toString())) {
          return List.of(f[5].split(","));
        }
      }
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    return List.of();
  }

  /** Entries of /run/netns whose name contains {@code fragment}. */
  public static List<String> netnsContaining(String fragment) {
    return list(Path.of("/run/netns"), fragment);
  }

  /** Network interfaces whose name starts with {@code prefix}. */
  public static List<String> linksStartingWith(String prefix) {
    return list(Path.of("/sys/class/net"), "").stream().filter(n -> n.startsWith(prefix)).toList();
  }

  /**
   * cgroup directories of {@code sandboxId}: {@code <controller>/warren/<instance>/<id>} under cgroup
   * v1, {@code warren/<instance>/<id>} under v2. Looks the id up directly rather than walking the
   * tree, so sandboxes of other instances coming and going meanwhile do not disturb it.
   */
  public static List<String> cgroupsOf(String sandboxId) {
    Path root = Path.of("/sys/fs/cgroup");
    List<Path> parents = new ArrayList<>();
    parents.add(root.resolve("warren"));
    subdirectories(root).forEach(controller -> parents.add(controller.resolve("warren")));
    List<String> out = new ArrayList<>();
    for (Path parent : parents) {
      for (Path instance : subdirectories(parent)) {
        Path dir = instance.resolve(sandboxId);
        if (Files.isDirectory(dir)) {
          out.add(dir.toString());
        }
      }
    }
    return out;
  }

  private static List<Path> subdirectories(Path dir) {
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(Files::isDirectory).toList();
    } catch (IOException | UncheckedIOException e) {
      return List.of(); // absent, or removed while listing
    }
  }

  /** Host processes whose environment names the sandbox (every sandbox process carries it). */
  public static List<Long> processesOf(String sandboxId) {
    List<Long> out = new ArrayList<>();
    byte[] needle = ("WARREN_SANDBOX_ID=" + sandboxId).getBytes();
    try (Stream<Path> s = Files.list(Path.of("/proc"))) {
      s.filter(p -> p.getFileName().toString().chars().allMatch(Character::isDigit)).forEach(p -> {
        try {
          byte[] env = Files.readAllBytes(p.resolve("environ"));
          if (indexOf(env, needle) >= 0) {
            out.add(Long.parseLong(p.getFileName().toString()));
          }
        } catch (IOException e) {
          // exited
        }
      });
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    return out;
  }

  /** Everything of the sandbox still on the host; empty when it is fully gone. */
  public static List<String> leftoversOf(String sandboxId) {
    List<String> out = new ArrayList<>();
    mountsContaining(sandboxId).forEach(m -> out.add("mount " + m));
    netnsContaining(sandboxId).forEach(n -> out.add("netns " + n));
    cgroupsOf(sandboxId).forEach(c -> out.add("cgroup " + c));
    processesOf(sandboxId).forEach(p -> out.add("process " + p));
    loopDevicesBacking(sandboxId).forEach(d -> out.add("loop device " + d));
    return out;
  }

  /** Loop devices ({@code /dev/loopN: backing file}) whose backing file's path contains {@code fragment}. */
  public static List<String> loopDevicesBacking(String fragment) {
    List<String> out = new ArrayList<>();
    for (String dev : list(Path.of("/sys/block"), "loop")) {
      try {
        String file = Files.readString(Path.of("/sys/block", dev, "loop", "backing_file")).strip();
        if (file.contains(fragment)) {
          out.add("/dev/" + dev + ": " + file);
        }
      } catch (IOException e) {
        // not attached
      }
    }
    return out;
  }

  private static List<String> list(Path dir, String fragment) {
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).filter(n -> n.contains(fragment)).toList();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static int indexOf(byte[] hay, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= hay.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (hay[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }
}
