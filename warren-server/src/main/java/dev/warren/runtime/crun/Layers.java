package dev.warren.runtime.crun;

import dev.warren.host.SyscallException;
import dev.warren.host.Syscalls;
import dev.warren.host.Tool;
import dev.warren.runtime.SandboxRuntimeException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Snapshot layers of containers: a sandbox's overlay upper directory copied as it is, with what
 * overlayfs keeps there to describe changes to the layers below (a deleted file is a character
 * device 0/0, a directory that replaced one below carries {@code trusted.overlay.opaque}; the
 * overlays here are mounted by host root, so the {@code trusted.} namespace). {@code cp -a} run by
 * root keeps device nodes, xattrs of every namespace, modes, times and hard links.
 *
 * <p>A layer's owners are those the sandbox saw (its root is uid 0), like an image's: the sandbox
 * stacking it idmaps it to its own uid range like its image ({@link RootFs#mount}). The sandbox's
 * upper holds host uids of its own range; the copy is shifted down. File capabilities
 * ({@code security.capability}) of the sandbox's changed files are not kept: the kernel drops them
 * on the shift, and those a user namespace writes name that namespace's root anyway. Stateless.
 */
final class Layers {
  private static final Duration COPY_TIMEOUT = Duration.ofMinutes(30);
  private static final long MS_RDONLY = 1;
  private static final int SET_ID_BITS = 06000;
  private static final int S_IFMT = 0170000;
  private static final int S_IFREG = 0100000;

  private Layers() {}

  /**
   * Copies {@code upper} (the sandbox's changes) to {@code target}; returns the shift of the copy's
   * owners from the sandbox's range down to 0, which needs the sandbox no longer.
   */
  static Runnable capture(String id, Path upper, Path target, long rootUid) {
    if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
      throw new SandboxRuntimeException("cannot capture the files of " + id + " into " + target + ": it exists already");
    }
    copy(upper, target, "the files of " + id);
    return () -> {
      try {
        shiftOwners(target, rootUid);
      } catch (IOException | SyscallException e) {
        throw new SandboxRuntimeException("cannot give the snapshot of " + id + " at " + target + " its owners: " + e.getMessage(), e);
      }
    };
  }

  /** What a sandbox over {@code lowers} (top first) sees, as one tree at {@code target}: a read-only overlay of them, copied. */
  static void flatten(List<Path> lowers, Path target) {
    if (lowers.size() < 2) {
      copy(lowers.get(0), target, "the layer " + lowers.get(0));
      return;
    }
    Path mnt = target.resolveSibling(target.getFileName() + ".mnt");
    StringBuilder lowerdir = new StringBuilder();
    for (Path l : lowers) {
      lowerdir.append(lowerdir.isEmpty() ? "" : ":").append(RootFs.escape(l.toString()));
    }
    try {
      Files.createDirectories(mnt);
      Syscalls.mount("warren-flatten-" + target.getFileName(), mnt.toString(), "overlay", MS_RDONLY, "lowerdir=" + lowerdir);
    } catch (IOException | SyscallException e) {
      throw new SandboxRuntimeException("cannot mount the layers " + lowers + " to flatten them: " + e.getMessage(), e);
    }
    try {
      copy(mnt, target, "the layers " + lowers);
    } finally {
      RootFs.detach("flatten", mnt);
      try {
        Files.deleteIfExists(mnt);
      } catch (IOException e) {
        // an empty directory beside the layer, removed with the snapshot's leftovers at the next start
      }
    }
  }

  private static void copy(Path from, Path to, String what) {
    Tool.Result r = Tool.run(List.of("cp", "-a", "--no-target-directory", "--", from.toString(), to.toString()), COPY_TIMEOUT);
    if (!r.ok()) {
      throw new SandboxRuntimeException("cannot copy " + what + " to " + to + ": cp exited with " + r.exitCode() + ": " + r.stderr().strip());
    }
  }

  /**
   * Host uids (and gids) of the sandbox's range become the ids it saw; ids outside it are left. A
   * chown clears set-user-id and set-group-id bits of files: they are set again.
   */
  static void shiftOwners(Path tree, long rootUid) throws IOException {
    long end = rootUid + Uids.PER_SANDBOX;
    try (Stream<Path> all = Files.walk(tree)) {
      for (Path p : (Iterable<Path>) all::iterator) {
        Map<String, Object> a = Files.readAttributes(p, "unix:uid,gid,mode", LinkOption.NOFOLLOW_LINKS);
        int uid = (int) a.get("uid");
        int gid = (int) a.get("gid");
        int newUid = uid >= rootUid && uid < end ? (int) (uid - rootUid) : uid;
        int newGid = gid >= rootUid && gid < end ? (int) (gid - rootUid) : gid;
        if (newUid == uid && newGid == gid) {
          continue;
        }
        Syscalls.fchownat(Syscalls.AT_FDCWD, p.toString(), newUid, newGid, Syscalls.AT_SYMLINK_NOFOLLOW);
        int mode = (int) a.get("mode");
        if ((mode & S_IFMT) == S_IFREG && (mode & SET_ID_BITS) != 0) {
          int fd = Syscalls.open(p.toString(), Syscalls.O_RDONLY | Syscalls.O_NOFOLLOW | Syscalls.O_CLOEXEC);
          try {
            Syscalls.fchmod(fd, mode & 07777);
          } finally {
            Syscalls.close(fd);
          }
        }
      }
    }
  }
}
