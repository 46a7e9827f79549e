package dev.warren.runtime.crun;

import dev.warren.host.FsCalls;
import dev.warren.host.SyscallException;
import dev.warren.host.Syscalls;
import dev.warren.host.Tool;
import dev.warren.runtime.Lower;
import dev.warren.runtime.SandboxRuntime;
import dev.warren.runtime.SandboxRuntimeException;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Snapshot layers as ext4 images: a sandbox with a disk of its own ({@link Ext4Disks}) is captured
 * by copying its whole {@code disk.img} (upper and work directories, overlay's whiteouts and
 * opaque markers as they are) while its processes and its filesystem are frozen: {@code FIFREEZE}
 * writes everything out and blocks writers, the image's allocated extents are copied inside the
 * kernel ({@code SEEK_DATA}/{@code SEEK_HOLE} and {@code copy_file_range}, holes kept), then
 * {@code FITHAW}. Nothing is walked file by file, and owners are left as they are: the host uids of
 * the source's range, which a sandbox stacking the layer maps to its own ({@link Lower#uidBase},
 * {@link LayerMounts}). A controller killed while a disk is frozen leaves it frozen:
 * {@link #thawLeftovers} thaws at start-up the disks whose freeze was noted ({@link #frozenNotes}).
 * A stopped sandbox's disk is not mounted; once its loop device is gone (its filesystem shut down,
 * written out whole) the image is copied as it is, nothing frozen. Stateless.
 */
final class BlockLayers {
  private static final Logger log = LoggerFactory.getLogger(BlockLayers.class);
  private static final long FIFREEZE = 0xC0045877L;
  private static final long FITHAW = 0xC0045878L;
  private static final long MS_RDONLY = 1;
  private static final Duration MKFS_TIMEOUT = Duration.ofMinutes(30);
  /** How long the capture of a stopped sandbox's disk waits for the kernel to let go of its loop device. */
  private static final Duration RELEASE_WAIT = Duration.ofSeconds(5);
  /** Serialises the notes of frozen disks: a directory being removed as the last note goes is never written into. */
  private static final Object NOTES = new Object();

  private BlockLayers() {}

  /** Captures the disk of the sandbox {@code id} (root uid {@code rootUid}) into the image file {@code target} ({@link SandboxRuntime#captureLayer}). */
  static SandboxRuntime.LayerCapture capture(String id, SandboxDirs dirs, Path target, long rootUid) {
    if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
      throw new SandboxRuntimeException("cannot capture the disk of " + id + " into " + target + ": it exists already");
    }
    // checked before the sandbox is frozen: a copy that fills the host's disk would fail anyway, and others with it
    long needed = FsCalls.allocatedBytes(dirs.diskImage().toString());
    long free = FsCalls.statvfs(target.getParent().toString()).availableBytes();
    if (needed > free) {
      throw new SandboxRuntimeException("cannot capture the disk of " + id, new dev.warren.host.NoSpaceException("a snapshot of sandbox " + id
          + " copies the " + dev.warren.host.DiskSpace.human(needed) + " its disk holds, but only " + dev.warren.host.DiskSpace.human(free)
          + " is free in " + target.getParent() + "; delete snapshots or sandboxes, or free space on the host"));
    }
    return new SandboxRuntime.LayerCapture() {
      @Override
      public void settle() {
        if (!MountInfo.isMountPoint(dirs.disk())) {
          // a stopped sandbox: its disk was unmounted (lazily) and nobody mounts it while the caller keeps it stopped; once
          // the kernel let go of its loop device the filesystem is shut down, everything written out, and the image holds
          // still without a freeze
          awaitReleased(id, dirs);
          try {
            copyAllocated(dirs.diskImage(), target);
          } catch (SyscallException e) {
            throw new SandboxRuntimeException("cannot copy the disk of stopped sandbox " + id + " to " + target + ": " + e.getMessage(), e);
          }
          return;
        }
        Path note = frozenNotes(dirs.root().getParent()).resolve(id);
        int fd = Syscalls.open(dirs.disk().toString(), Syscalls.O_RDONLY | Syscalls.O_DIRECTORY);
        try {
          noteFrozen(note);
          FsCalls.ioctl(fd, FIFREEZE, MemorySegment.NULL, "FIFREEZE " + dirs.disk());
          try {
            copyAllocated(dirs.diskImage(), target);
          } finally {
            FsCalls.ioctl(fd, FITHAW, MemorySegment.NULL, "FITHAW " + dirs.disk());
            forgetFrozen(note);
          }
        } catch (SyscallException e) {
          throw new SandboxRuntimeException("cannot copy the disk of " + id + " to " + target + ": " + e.getMessage(), e);
        } finally {
          Syscalls.close(fd);
        }
      }

      @Override
      public void finish() {
        // the image is complete once settle() returns
      }

      @Override
      public long uidBase() {
        return rootUid;
      }
    };
  }

  /**
   * Waits, bounded, until no loop device holds the disk image of the stopped sandbox {@code id}: a
   * lazy unmount leaves the filesystem alive (its last writes not yet on the image) while anything
   * still uses it, and the kernel detaches the device when it is shut down.
   */
  private static void awaitReleased(String id, SandboxDirs dirs) {
    java.util.Optional<String> device = LoopMount.device(dirs.diskDevice(), dirs.diskImage());
    if (device.isPresent() && !dev.warren.host.LoopDevices.awaitDetached(device.get(), dirs.diskImage(), RELEASE_WAIT)) {
      throw new SandboxRuntimeException("cannot capture the disk of stopped sandbox " + id + ": its filesystem is unmounted but "
          + device.get() + " still holds it after " + RELEASE_WAIT.toSeconds() + " s (something on the host still uses it); "
          + "try again in a moment, or start and stop the sandbox again");
    }
  }

  /** Copies the data of the sparse file {@code from} to the new file {@code to} (root's, 0600), its holes left holes. */
  static void copyAllocated(Path from, Path to) {
    int in = Syscalls.open(from.toString(), Syscalls.O_RDONLY);
    try {
      int out = Syscalls.openat(Syscalls.AT_FDCWD, to.toString(), Syscalls.O_WRONLY | Syscalls.O_CREAT | Syscalls.O_EXCL, 0600);
      try {
        long size = Files.size(from);
        FsCalls.forEachDataExtent(in, size, (offset, length) -> FsCalls.copyRange(in, out, offset, length));
        FsCalls.ftruncate(out, size);
      } finally {
        Syscalls.close(out);
      }
    } catch (IOException e) {
      throw new SyscallException("stat", from.toString(), 0, e.getMessage());
    } finally {
      Syscalls.close(in);
    }
  }

  /**
   * Merges {@code lowers} (top first) into a new ext4 image at {@code target} whose {@code upper/}
   * is what a sandbox over them sees, owners as that sandbox sees them: a read-only overlay of the
   * lowers, each idmapped down to ids from 0, is written into the image by {@code mke2fs -d}.
   * Two lowers or more.
   */
  static void flatten(List<Lower> lowers, Path target, LayerMounts mounts, UserNamespaces userns) {
    Path stage = target.resolveSibling(target.getFileName() + LayerMounts.MOUNT_SUFFIX);
    Path low = target.resolveSibling(target.getFileName() + ".low");
    Path merged = stage.resolve("upper");
    try {
      List<String> dirs = new ArrayList<>();
      try {
        Files.createDirectories(merged);
        for (int i = 0; i < lowers.size(); i++) {
          Lower l = lowers.get(i);
          Path tree = mounts.tree(l);
          if (l.uidBase() == 0) {
            dirs.add(tree.toString());
            continue;
          }
          Path at = Files.createDirectories(low.resolve("l" + i));
          int fd = userns.mapping(l.uidBase(), 0);
          try {
            Syscalls.idmappedBind(tree.toString(), at.toString(), fd, true);
          } finally {
            Syscalls.close(fd);
          }
          dirs.add(at.toString());
        }
        StringBuilder lowerdir = new StringBuilder();
        for (String d : dirs) {
          lowerdir.append(lowerdir.isEmpty() ? "" : ":").append(RootFs.escape(d));
        }
        // a read-only overlay without an upper layer takes two lowers or more: a flattened snapshot has its changes and a base
        Syscalls.mount("warren-flatten-" + target.getFileName(), merged.toString(), "overlay", MS_RDONLY, "lowerdir=" + lowerdir);
      } finally {
        // the overlay holds its own reference to each idmapped tree
        for (int i = 0; i < lowers.size(); i++) {
          RootFs.detach("flatten", low.resolve("l" + i));
        }
      }
      long[] need = measure(merged);
      long bytes = need[0] + need[0] / 2 + (64L << 20);
      long inodes = need[1] + need[1] / 2 + 4096;
      Tool.check(List.of(DiskTemplates.MKE2FS, "-q", "-F", "-t", "ext4", "-b", "4096", "-I", "256", "-m", "0", "-N", Long.toString(inodes),
          "-O", "^has_journal,^resize_inode", "-E", "nodiscard,root_owner=0:0", "-L", "warren-layer", "-d", stage.toString(),
          target.toString(), (bytes / 1024) + "k"), MKFS_TIMEOUT);
    } catch (IOException | SyscallException | dev.warren.host.ToolException e) {
      throw new SandboxRuntimeException("cannot flatten the layers " + lowers.stream().map(Lower::path).toList() + " into " + target + ": "
          + e.getMessage(), e);
    } finally {
      RootFs.detach("flatten", merged);
      Tool.run(List.of("rm", "-rf", "--one-file-system", "--", stage.toString(), low.toString()), Duration.ofMinutes(1));
    }
  }

  /** Bytes (in whole blocks, a block per directory and link) and entries of the tree at {@code tree}. */
  private static long[] measure(Path tree) throws IOException {
    long[] out = new long[2];
    try (Stream<Path> all = Files.walk(tree)) {
      for (Path p : (Iterable<Path>) all::iterator) {
        long size = Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS) ? Files.size(p) : 0;
        out[0] += ((size + 4095) / 4096 + 1) * 4096;
        out[1]++;
      }
    }
    return out;
  }

  /**
   * Where a capture notes, before freezing a disk, which sandbox's it freezes ({@code <id>}), and
   * removes the note once it thawed it: after a kill mid-copy the start finds the disks to thaw in
   * one listing of a directory that is otherwise empty, not by trying every disk. Root's, 0700,
   * beside the sandboxes' directories (a dot directory is none of theirs).
   */
  static Path frozenNotes(Path sandboxesDir) {
    return sandboxesDir.resolve(".frozen-disks");
  }

  private static void noteFrozen(Path note) {
    synchronized (NOTES) {
      try {
        dev.warren.host.FileModes.privateDirectory(note.getParent());
        Files.writeString(note, "");
      } catch (IOException e) {
        throw new SandboxRuntimeException("cannot note the freeze of the disk at " + note + ": " + e.getMessage(), e);
      }
    }
  }

  /** Removes the note, and the directory when it was the last: nothing of a capture is left once it is over. */
  private static void forgetFrozen(Path note) {
    synchronized (NOTES) {
      try {
        Files.deleteIfExists(note);
        Files.deleteIfExists(note.getParent());
      } catch (java.nio.file.DirectoryNotEmptyException e) {
        // another capture's note
      } catch (IOException e) {
        // thawed already: the next start tries to thaw it again, which does nothing
        log.warn("cannot remove {}: {}", note, e.getMessage());
      }
    }
  }

  /**
   * Thaws the sandbox disks a controller killed while capturing one left frozen (their sandboxes'
   * writers wait until then), as its notes say ({@link #frozenNotes}). Called once at start-up.
   */
  static void thawLeftovers(Path sandboxesDir) {
    Path notes = frozenNotes(sandboxesDir);
    if (!Files.isDirectory(notes)) {
      return;
    }
    List<Path> left;
    try (Stream<Path> s = Files.list(notes)) {
      left = s.toList();
    } catch (IOException e) {
      log.error("cannot list {}: {}", notes, e.getMessage());
      return;
    }
    for (Path note : left) {
      Path disk = sandboxesDir.resolve(note.getFileName().toString()).resolve("disk");
      try {
        if (MountInfo.isMountPoint(disk)) {
          int fd = Syscalls.open(disk.toString(), Syscalls.O_RDONLY | Syscalls.O_DIRECTORY);
          try {
            FsCalls.ioctl(fd, FITHAW, MemorySegment.NULL, "FITHAW " + disk);
            log.warn("thawed the disk at {}, left frozen by a controller killed while it snapshotted it", disk);
          } finally {
            Syscalls.close(fd);
          }
        }
      } catch (SyscallException e) {
        // EINVAL: not frozen (the kill came before the freeze or after the thaw)
        if (e.errno() != Syscalls.EINVAL) {
          log.error("cannot thaw the disk at {}: {}", disk, e.getMessage());
          continue;
        }
      }
      forgetFrozen(note);
    }
  }
}
