package dev.warren.runtime.crun;

import dev.warren.host.FsCalls;
import dev.warren.host.SyscallException;
import dev.warren.host.Syscalls;
import dev.warren.host.Tool;
import dev.warren.host.ToolException;
import dev.warren.runtime.RuntimeUnavailableException;
import dev.warren.runtime.SandboxRuntimeException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;

/**
 * Empty ext4 filesystems that new disks are copied from. Formatting takes mke2fs 50-150 ms here;
 * copying a template's few hundred KiB of metadata into a sparse file (its holes stay holes) about
 * a millisecond. One template per size and inode count, made on first use, the least recently used
 * dropped past {@link #KEEP}; they hold nothing of any sandbox. Every sandbox's disk gets the same
 * filesystem UUID, which nothing here relies on (disks are mounted by device, never by UUID).
 *
 * <p>Format: 4 KiB blocks, no journal (a sandbox's disk is checked with e2fsck after a host crash
 * instead, see {@link DiskCheck}), no blocks reserved for root (the overlay writes as root
 * anyway), no resize inode, inode tables left unwritten (they are holes, which read as zeros; the
 * kernel is told not to zero them), and inline data: files of up to about 150 bytes live in their
 * inode, so the agent's small request and exit-code files are still written on a disk whose blocks
 * are all used.
 *
 * <p>Thread-safe: templates are made under unique names and renamed into place.
 */
final class DiskTemplates {
  static final int KEEP = 8;
  static final String MKE2FS = "/sbin/mke2fs";
  private static final String VERSION = "v1";
  private static final Duration FORMAT_TIMEOUT = Duration.ofMinutes(5);

  private final Path dir;

  DiskTemplates(Path dir) {
    this.dir = dir;
  }

  void init() {
    try {
      dev.warren.host.FileModes.privateDirectory(dir);
    } catch (IOException e) {
      throw new RuntimeUnavailableException("cannot create the disk template directory " + dir + ": " + e.getMessage(), e);
    }
  }

  Path dir() {
    return dir;
  }

  /**
   * Writes an empty filesystem of {@code sizeMb} MiB with (at least) {@code inodes} inodes to
   * {@code target}, which must not exist: a sparse file, mode 0600.
   */
  void copy(int sizeMb, long inodes, Path target) {
    Path template = template(sizeMb, inodes);
    int in;
    try {
      in = Syscalls.open(template.toString(), Syscalls.O_RDONLY);
    } catch (SyscallException e) {
      if (e.errno() != Syscalls.ENOENT) {
        throw e;
      }
      // dropped by another thread's pruning a moment ago
      in = Syscalls.open(template(sizeMb, inodes).toString(), Syscalls.O_RDONLY);
    }
    try {
      int out = Syscalls.openat(Syscalls.AT_FDCWD, target.toString(), Syscalls.O_WRONLY | Syscalls.O_CREAT | Syscalls.O_EXCL, 0600);
      try {
        long size = sizeMb * (1L << 20);
        FsCalls.ftruncate(out, size);
        for (long at = FsCalls.lseek(in, 0, FsCalls.SEEK_DATA); at >= 0 && at < size; ) {
          long hole = FsCalls.lseek(in, at, FsCalls.SEEK_HOLE);
          FsCalls.copyRange(in, out, at, hole - at);
          at = hole >= size ? -1 : FsCalls.lseek(in, hole, FsCalls.SEEK_DATA);
        }
      } finally {
        Syscalls.close(out);
      }
    } finally {
      Syscalls.close(in);
    }
  }

  /** The template of this size and inode count, made now if there is none. */
  Path template(int sizeMb, long inodes) {
    Path t = dir.resolve("ext4-" + VERSION + "-" + sizeMb + "m-" + inodes + "i.img");
    try {
      if (Files.exists(t)) {
        Files.setLastModifiedTime(t, FileTime.fromMillis(System.currentTimeMillis()));
        return t;
      }
    } catch (IOException e) {
      // pruned meanwhile: made again below
    }
    Path tmp = dir.resolve(".tmp-" + UUID.randomUUID() + ".img");
    try {
      Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      Tool.check(List.of(MKE2FS, "-q", "-F", "-t", "ext4", "-b", "4096", "-I", "256", "-m", "0", "-N", Long.toString(inodes),
          "-O", "^has_journal,^resize_inode,inline_data", "-E", "lazy_itable_init=1,nodiscard,root_owner=0:0", "-L", "warren-disk",
          tmp.toString(), sizeMb + "M"), FORMAT_TIMEOUT);
      Files.move(tmp, t, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException | ToolException e) {
      throw new SandboxRuntimeException("cannot make an empty disk of " + sizeMb + " MiB with " + inodes + " inodes in " + dir + ": "
          + e.getMessage(), e);
    } finally {
      try {
        Files.deleteIfExists(tmp);
      } catch (IOException ignored) {
        // a stray temporary file: removed with the directory at uninstall
      }
    }
    prune();
    return t;
  }

  private void prune() {
    try (var s = Files.list(dir)) {
      List<Path> all = s.filter(p -> p.getFileName().toString().startsWith("ext4-"))
          .sorted(Comparator.comparing(DiskTemplates::modified).reversed()).toList();
      for (Path old : all.subList(Math.min(KEEP, all.size()), all.size())) {
        Files.deleteIfExists(old);
      }
    } catch (IOException e) {
      // keeping a few templates too many costs a few hundred KiB each
    }
  }

  private static FileTime modified(Path p) {
    try {
      return Files.getLastModifiedTime(p);
    } catch (IOException e) {
      return FileTime.fromMillis(0);
    }
  }

  void remove() {
    Tool.run(List.of("rm", "-rf", "--one-file-system", dir.toString()), Duration.ofSeconds(30));
  }
}
