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
 * Snapshot layers of containers without a disk of their own (those with one are captured by
 * {@link BlockLayers}): a sandbox's overlay upper directory copied as it is, with what
 * overlayfs keeps there to describe changes to the layers below (a deleted file is a character
 * device 0/0, a directory that replaced one below carries {@code trusted.overlay.opaque}; the
 * overlays here are mounted by host root, so the {@code trusted.} namespace). {@code cp -a} run by
 * root keeps device nodes, xattrs of every namespace, modes, times and hard links. The copy is made
 * while the sandbox runs and brought up to date while it is frozen ({@link #settle}).
 *
 * <p>A layer's owners are those the sandbox saw (its root is uid 0), like an image's: the sandbox
 * stacking it idmaps it to its own uid range like its image ({@link RootFs#mount}). The sandbox's
 * upper holds host uids of its own range; the copy is shifted down. File capabilities
 * ({@code security.capability}) of the sandbox's changed files are not kept: the kernel drops them
 * on the shift, and those a user namespace writes name that namespace's root anyway. Stateless.
 */
final class Layers {
  private static final Duration COPY_TIMEOUT = Duration.ofMinutes(30);
  private static final int SET_ID_BITS = 06000;
  private static final int S_IFMT = 0170000;
  private static final int S_IFREG = 0100000;
  /**
   * Inode times come from the kernel's coarse clock, which lags the real time by up to a tick (10 ms
   * at the lowest HZ): a change just after the copy began may carry a ctime a little before it.
   */
  private static final long CTIME_SLACK_MILLIS = 100;

  private Layers() {}

  /**
   * Copies {@code upper} (the sandbox's changes) to {@code target} while the sandbox runs; the
   * capture's {@code settle} (sandbox frozen) brings the copy up to date ({@link #settle}), its
   * {@code finish} shifts the copy's owners from the sandbox's range down to 0.
   */
  static dev.warren.runtime.SandboxRuntime.LayerCapture capture(String id, Path upper, Path target, long rootUid) {
    if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
      throw new SandboxRuntimeException("cannot capture the files of " + id + " into " + target + ": it exists already");
    }
    // every change from here on gives what it touched a ctime at least this (see CTIME_SLACK_MILLIS)
    long since = System.currentTimeMillis() - CTIME_SLACK_MILLIS;
    // files the sandbox deletes meanwhile make cp complain; whatever it missed, settle() copies
    Tool.run(List.of("cp", "-a", "--no-target-directory", "--", upper.toString(), target.toString()), COPY_TIMEOUT);
    if (!Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
      throw new SandboxRuntimeException("cannot copy the files of " + id + " to " + target + ": cp made nothing");
    }
    return new dev.warren.runtime.SandboxRuntime.LayerCapture() {
      @Override
      public void settle() {
        try {
          Layers.settle(upper, target, since);
        } catch (IOException e) {
          throw new SandboxRuntimeException("cannot bring the copy of the files of " + id + " at " + target + " up to date: " + e.getMessage(), e);
        }
      }

      @Override
      public void finish() {
        try {
          shiftOwners(target, rootUid);
        } catch (IOException | SyscallException e) {
          throw new SandboxRuntimeException("cannot give the snapshot of " + id + " at " + target + " its owners: " + e.getMessage(), e);
        }
      }
    };
  }

  /**
   * Makes {@code copy}, a copy of {@code upper} begun at {@code sinceMillis}, equal to it again.
   * Every change to an inode moves its ctime to now: a file written, chmodded, given an xattr or
   * replaced, and a directory whose entries changed (created, deleted, renamed, whited out). So
   * what has a ctime before {@code sinceMillis} was copied as it is, a file changed since is copied
   * again, and a directory whose entries changed since is copied again whole (with them its
   * deletions); the rest of the tree is only compared.
   */
  static void settle(Path upper, Path copy, long sinceMillis) throws IOException {
    List<Path> again = new java.util.ArrayList<>();
    Files.walkFileTree(upper, new java.nio.file.SimpleFileVisitor<>() {
      @Override
      public java.nio.file.FileVisitResult preVisitDirectory(Path dir, java.nio.file.attribute.BasicFileAttributes a) throws IOException {
        if (changed(dir, copy.resolve(upper.relativize(dir).toString()), sinceMillis)) {
          again.add(dir);
          return java.nio.file.FileVisitResult.SKIP_SUBTREE;
        }
        return java.nio.file.FileVisitResult.CONTINUE;
      }

      @Override
      public java.nio.file.FileVisitResult visitFile(Path file, java.nio.file.attribute.BasicFileAttributes a) throws IOException {
        if (changed(file, copy.resolve(upper.relativize(file).toString()), sinceMillis)) {
          again.add(file);
        }
        return java.nio.file.FileVisitResult.CONTINUE;
      }
    });
    for (Path p : again) {
      Path to = copy.resolve(upper.relativize(p).toString());
      if (to.equals(copy)) {
        // the top changed: all of it again
        remove(copy);
        copy(upper, copy, "the files at " + upper);
        return;
      }
      remove(to);
      copy(p, to, p.toString());
    }
    // replacing an entry touched its directory in the copy: it gets the times the sandbox's has again
    for (Path parent : again.stream().map(Path::getParent).distinct().toList()) {
      var from = Files.readAttributes(parent, java.nio.file.attribute.BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
      Files.getFileAttributeView(copy.resolve(upper.relativize(parent).toString()), java.nio.file.attribute.BasicFileAttributeView.class,
          LinkOption.NOFOLLOW_LINKS).setTimes(from.lastModifiedTime(), from.lastAccessTime(), null);
    }
  }

  /**
   * Whether {@code p} (in the upper) changed since {@code sinceMillis}, or its copy {@code q} is
   * missing, of another type, or (a file the first copy could not finish) of another size or time.
   */
  private static boolean changed(Path p, Path q, long sinceMillis) throws IOException {
    Map<String, Object> a = Files.readAttributes(p, "unix:ctime,mode,size,lastModifiedTime", LinkOption.NOFOLLOW_LINKS);
    if (((java.nio.file.attribute.FileTime) a.get("ctime")).toMillis() >= sinceMillis) {
      return true;
    }
    Map<String, Object> b;
    try {
      b = Files.readAttributes(q, "unix:mode,size,lastModifiedTime", LinkOption.NOFOLLOW_LINKS);
    } catch (java.nio.file.NoSuchFileException e) {
      return true;
    }
    int type = ((int) a.get("mode")) & S_IFMT;
    if (type != (((int) b.get("mode")) & S_IFMT)) {
      return true;
    }
    return type == S_IFREG && (!a.get("size").equals(b.get("size")) || !a.get("lastModifiedTime").equals(b.get("lastModifiedTime")));
  }

  private static void remove(Path p) {
    Tool.Result r = Tool.run(List.of("rm", "-rf", "--one-file-system", "--", p.toString()), COPY_TIMEOUT);
    if (!r.ok()) {
      throw new SandboxRuntimeException("cannot remove " + p + ": " + r.stderr().strip());
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
