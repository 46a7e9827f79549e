package dev.warren.runtime.crun;

import dev.warren.host.FileModes;
import dev.warren.host.Syscalls;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.LoggerFactory;

/**
 * A sandbox's directory under the instance's sandboxes directory. The sandbox's own changes (the
 * overlay's upper and work directories) live on its disk: the filesystem image {@code disk.img},
 * mounted at {@code disk/} while it runs. Sandboxes made before disk limits keep them in
 * {@code upper/} and {@code work/} beside it. Both survive stop/start; the rest is rebuilt at every
 * start.
 *
 * <p>Who may reach it from the host ({@link #secure}): the directory belongs to the sandbox's root
 * uid, mode 0700, so crun (which reaches the root filesystem as that uid) and host root traverse
 * it, and no other host user, nor another sandbox's uids, can reach anything inside, the root
 * filesystem included. The bundle (its config.json holds the caller's environment) and the slot
 * file are root's alone (0700, 0600); {@code etc/} holds the files bind-mounted into the sandbox
 * (hosts, hostname, resolv.conf), which its processes must read (0755, 0644). The disk image, its
 * mount point and its device note are root's alone (0600, 0700, 0600).
 */
record SandboxDirs(Path root) {
  /** The file-type bits of st_mode, and the type of a symbolic link. */
  private static final int S_IFMT = 0170000;
  private static final int S_IFLNK = 0120000;

  /** The upper directory of a sandbox without a disk of its own (made before disk limits). */
  Path upper() {
    return root.resolve("upper");
  }

  Path work() {
    return root.resolve("work");
  }

  /** The sandbox's disk: a filesystem image whose size is its limit. */
  Path diskImage() {
    return root.resolve("disk.img");
  }

  /** Where the disk is mounted; it holds {@code upper/} and {@code work/}. */
  Path disk() {
    return root.resolve("disk");
  }

  /** The loop device the disk was last attached to ({@code /dev/loopN}). */
  Path diskDevice() {
    return root.resolve("disk.dev");
  }

  /** The most read-only layers a root filesystem stacks (an image and snapshot layers over it). */
  static final int MAX_LOWERS = 16;

  Path lower() {
    return root.resolve("lower");
  }

  /** Where the {@code i}th lower layer (0: the top) is attached while the overlay is mounted. */
  Path lower(int i) {
    return i == 0 ? lower() : root.resolve("lower" + i);
  }

  Path rootfs() {
    return root.resolve("rootfs");
  }

  Path bundle() {
    return root.resolve("bundle");
  }

  Path etc() {
    return root.resolve("etc");
  }

  Path initLog() {
    return root.resolve("init.log");
  }

  Path pidFile() {
    return bundle().resolve("init.pid");
  }

  Path slotFile() {
    return root.resolve("slot");
  }

  /**
   * Gives the directory and what is in it the owners and modes above (entries that do not exist
   * yet are skipped); returns what had to change, as {@code "path owner mode -> owner mode"}.
   */
  List<String> secure(long rootUid) throws IOException {
    List<String> changed = new ArrayList<>();
    set(root, rootUid, 0700, changed);
    set(bundle(), 0, 0700, changed);
    set(bundle().resolve("config.json"), 0, 0600, changed);
    set(slotFile(), 0, 0600, changed);
    // the disk image holds everything the sandbox wrote; its mount point and device note are root's too
    set(diskImage(), 0, 0600, changed);
    set(diskDevice(), 0, 0600, changed);
    set(disk(), 0, 0700, changed);
    // crun gives its standard streams (this file) to the sandbox's root; others have no business reading it
    set(initLog(), -1, 0600, changed);
    set(etc(), 0, 0755, changed);
    for (String f : List.of("hosts", "hostname", "resolv.conf")) {
      set(etc().resolve(f), 0, 0644, changed);
    }
    return changed;
  }

  /** The directories under {@code sandboxesDir} now: the sandboxes' and the disk pool's. */
  static List<Path> all(Path sandboxesDir) throws IOException {
    try (var s = Files.list(sandboxesDir)) {
      return s.filter(p -> Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)).toList();
    }
  }

  /**
   * Gives each sandbox directory of {@code dirs} its owner and modes (an older Warren left bundles,
   * whose config.json holds the caller's environment, readable by anyone) and warns, naming what
   * changed. A directory without a slot file (a leftover reconciliation removes) is root's.
   */
  static void secureAll(List<Path> dirs, java.util.function.IntToLongFunction rootUidOfSlot) throws IOException {
    List<String> changed = new ArrayList<>();
    for (Path dir : dirs) {
      SandboxDirs d = new SandboxDirs(dir);
      long uid;
      try {
        uid = rootUidOfSlot.applyAsLong(Integer.parseInt(Files.readString(d.slotFile()).strip()));
      } catch (IOException | NumberFormatException e) {
        uid = 0;
      }
      changed.addAll(d.secure(uid));
    }
    if (!changed.isEmpty()) {
      LoggerFactory.getLogger(SandboxDirs.class).warn(
          "sandbox files other users (or other sandboxes) could reach were given their owner and mode: {}{}",
          String.join(", ", changed.subList(0, Math.min(40, changed.size()))), changed.size() > 40 ? " and " + (changed.size() - 40) + " more" : "");
    }
  }

  /** Sets the owner ({@code -1}: leave it) and mode of {@code p}, which must not be a symbolic link. */
  private static void set(Path p, long uid, int mode, List<String> changed) throws IOException {
    // one lstat for type, owner and mode: this runs over every sandbox at every start
    java.util.Map<String, Object> attrs;
    try {
      attrs = Files.readAttributes(p, "unix:mode,uid", LinkOption.NOFOLLOW_LINKS);
    } catch (java.nio.file.NoSuchFileException e) {
      return;
    }
    int full = (int) attrs.get("mode");
    if ((full & S_IFMT) == S_IFLNK) {
      return;
    }
    int owner = (int) attrs.get("uid");
    int was = full & 07777;
    if (uid >= 0 && owner != uid) {
      Syscalls.fchownat(Syscalls.AT_FDCWD, p.toString(), (int) uid, (int) uid, Syscalls.AT_SYMLINK_NOFOLLOW);
    }
    if (was != mode) {
      Files.setPosixFilePermissions(p, FileModes.permissions(mode));
    }
    if ((uid >= 0 && owner != uid) || was != mode) {
      changed.add(p + " " + owner + " " + FileModes.octal(was) + " -> " + (uid >= 0 ? uid : owner) + " " + FileModes.octal(mode));
    }
  }

}
