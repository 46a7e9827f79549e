package dev.warren.runtime.crun;

import dev.warren.host.DiskSpace;
import dev.warren.host.FileModes;
import dev.warren.host.SyscallException;
import dev.warren.host.Syscalls;
import dev.warren.runtime.GuestFileException;
import dev.warren.runtime.GuestFileException.Kind;
import dev.warren.runtime.GuestFiles;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * The crun {@link GuestFiles}: the sandbox's files through its root filesystem mount, every path
 * resolved with openat2 ({@link InRoot}). New files and directories belong to the sandbox's root.
 * Stateless apart from what it was made with; thread-safe.
 *
 * @param sync whether a write is flushed before it is renamed into place (a sandbox disk image
 *     is written back to the host later: only a sync learns that the host had no room for it)
 */
record CrunFiles(String sandboxId, Path rootfs, long rootUid, boolean sync) implements GuestFiles {

  private int rootFd() {
    try {
      return InRoot.openRoot(rootfs);
    } catch (SyscallException e) {
      throw new GuestFileException(Kind.NOT_RUNNING, "the filesystem of " + sandboxId + " is not mounted (is it running?)", e);
    }
  }

  private int resolve(String path, int flags, int mode) {
    int rootFd = rootFd();
    try {
      return InRoot.open(rootFd, path, flags, mode);
    } catch (SyscallException e) {
      throw translate(path, e);
    } finally {
      Syscalls.close(rootFd);
    }
  }

  private GuestFileException translate(String path, SyscallException e) {
    return switch (e.errno()) {
      case Syscalls.ENOENT -> new GuestFileException(Kind.NOT_FOUND, "no such file or directory in " + sandboxId + ": " + path);
      case Syscalls.ENOTDIR -> new GuestFileException(Kind.BAD_PATH, "a component of " + path + " is not a directory");
      case Syscalls.EISDIR -> new GuestFileException(Kind.BAD_PATH, path + " is a directory");
      case Syscalls.ELOOP -> new GuestFileException(Kind.BAD_PATH, path + " has too many symbolic links or a link that cannot be followed");
      case Syscalls.EEXIST -> new GuestFileException(Kind.EXISTS, path + " already exists");
      case Syscalls.ENOTEMPTY -> new GuestFileException(Kind.EXISTS, path + " is a directory that is not empty (use recursive=true)");
      case 18 -> new GuestFileException(Kind.BAD_PATH, path + " crosses into a special filesystem Warren does not serve");
      case DiskSpace.ENOSPC -> new GuestFileException(Kind.NO_SPACE, "no space left writing " + path, e);
      default -> new GuestFileException(Kind.FAILED, "cannot access " + path + " in " + sandboxId + ": " + e.getMessage(), e);
    };
  }

  @Override
  public InputStream read(String path) {
    int fd = resolve(path, Syscalls.O_PATH, 0);
    try {
      PosixFileAttributes a = Files.readAttributes(InRoot.procFd(fd), PosixFileAttributes.class);
      if (a.isDirectory()) {
        throw new GuestFileException(Kind.BAD_PATH, path + " is a directory; list it with /files/list");
      }
      if (!a.isRegularFile()) {
        throw new GuestFileException(Kind.BAD_PATH, path + " is not a regular file");
      }
      return Files.newInputStream(InRoot.procFd(fd));
    } catch (IOException e) {
      throw new GuestFileException(Kind.NOT_FOUND, "cannot read " + path + " in " + sandboxId + ": " + e.getMessage(), e);
    } finally {
      Syscalls.close(fd);
    }
  }

  @Override
  public Optional<Entry> stat(String path) {
    int fd;
    try {
      fd = resolve(path, Syscalls.O_PATH, 0);
    } catch (GuestFileException e) {
      if (e.kind() == Kind.NOT_FOUND) {
        return Optional.empty();
      }
      throw e;
    }
    try {
      String name = path.substring(path.lastIndexOf('/') + 1);
      return Optional.of(entry(name, Files.readAttributes(InRoot.procFd(fd), PosixFileAttributes.class)));
    } catch (IOException e) {
      return Optional.empty();
    } finally {
      Syscalls.close(fd);
    }
  }

  @Override
  public long write(String path, InputStream in, long maxBytes, Optional<Integer> mode) {
    int slash = path.lastIndexOf('/');
    String parent = slash == 0 ? "/" : path.substring(0, slash);
    String name = path.substring(slash + 1);
    mkdirs(parent);
    int dir = resolve(parent, Syscalls.O_PATH | Syscalls.O_DIRECTORY, 0);
    String tmp = ".warren-upload-" + UUID.randomUUID();
    boolean renamed = false;
    try {
      int existingMode = existingMode(dir, name).orElse(0644);
      int fd;
      try {
        fd = Syscalls.openat(dir, tmp, Syscalls.O_WRONLY | Syscalls.O_CREAT | Syscalls.O_EXCL | Syscalls.O_NOFOLLOW, 0600);
      } catch (SyscallException e) {
        throw translate(path, e);
      }
      long written;
      try {
        Syscalls.fchown(fd, (int) rootUid, (int) rootUid);
        Syscalls.fchmod(fd, mode.orElse(existingMode));
        written = copy(path, in, fd, maxBytes);
      } finally {
        Syscalls.close(fd);
      }
      try {
        Syscalls.renameat(dir, tmp, dir, name);
        renamed = true;
      } catch (SyscallException e) {
        throw translate(path, e);
      }
      return written;
    } finally {
      if (!renamed) {
        try {
          Syscalls.unlinkat(dir, tmp, 0);
        } catch (SyscallException ignored) {
          // never created
        }
      }
      Syscalls.close(dir);
    }
  }

  /** Copies {@code in} into the open file {@code fd}, failing past {@code maxBytes}. */
  private long copy(String path, InputStream in, int fd, long maxBytes) {
    long written = 0;
    try (FileChannel ch = FileChannel.open(InRoot.procFd(fd), StandardOpenOption.WRITE)) {
      OutputStream out = Channels.newOutputStream(ch);
      byte[] buf = new byte[1 << 16];
      int n;
      while ((n = in.read(buf)) >= 0) {
        written += n;
        if (written > maxBytes) {
          throw new GuestFileException(Kind.TOO_LARGE, "upload to " + path + " is larger than the limit of " + maxBytes + " bytes");
        }
        out.write(buf, 0, n);
      }
      if (sync) {
        try {
          ch.force(false);
        } catch (IOException e) {
          // the sandbox's own disk took the bytes, the host's disk under it could not (a full data
          // directory): not the sandbox's disk full (507) but the host's trouble (503 naming it)
          throw new GuestFileException(Kind.FAILED, "cannot write " + path + " through to the host's disk: " + e.getMessage(), e);
        }
      }
      return written;
    } catch (IOException e) {
      if (DiskSpace.isNoSpace(e)) {
        throw new GuestFileException(Kind.NO_SPACE, "no space left writing " + path, e);
      }
      throw new GuestFileException(Kind.FAILED, "upload to " + path + " failed after " + written + " bytes: " + e.getMessage(), e);
    }
  }

  private Optional<Integer> existingMode(int dir, String name) {
    try {
      int fd = Syscalls.openat(dir, name, Syscalls.O_PATH | Syscalls.O_NOFOLLOW, 0);
      try {
        // follow /proc/self/fd/N to what fd holds (O_NOFOLLOW already kept that from being a link's target)
        PosixFileAttributes a = Files.readAttributes(InRoot.procFd(fd), PosixFileAttributes.class);
        return a.isRegularFile() ? Optional.of(FileModes.mode(a.permissions())) : Optional.empty();
      } finally {
        Syscalls.close(fd);
      }
    } catch (SyscallException | IOException e) {
      return Optional.empty();
    }
  }

  @Override
  public void mkdirs(String path) {
    int root = rootFd();
    try {
      InRoot.mkdirs(root, path, rootUid, 0755, this::translate);
    } finally {
      Syscalls.close(root);
    }
    Syscalls.close(resolve(path, Syscalls.O_PATH | Syscalls.O_DIRECTORY, 0));
  }

  @Override
  public List<Entry> list(String path) {
    int fd = resolve(path, Syscalls.O_PATH | Syscalls.O_DIRECTORY, 0);
    List<Entry> out = new ArrayList<>();
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(InRoot.procFd(fd))) {
      for (Path p : ds) {
        try {
          out.add(entry(p.getFileName().toString(),
              Files.readAttributes(p, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS)));
        } catch (IOException e) {
          // removed while listing
        }
      }
    } catch (IOException e) {
      throw new GuestFileException(Kind.FAILED, "cannot list " + path + " in " + sandboxId + ": " + e.getMessage(), e);
    } finally {
      Syscalls.close(fd);
    }
    out.sort((x, y) -> x.name().compareTo(y.name()));
    return out;
  }

  @Override
  public void delete(String path) {
    String norm = path.replaceAll("/+$", "");
    int slash = norm.lastIndexOf('/');
    String parent = slash == 0 ? "/" : norm.substring(0, slash);
    String name = norm.substring(slash + 1);
    int dir = resolve(parent, Syscalls.O_PATH | Syscalls.O_DIRECTORY, 0);
    try {
      try {
        Syscalls.unlinkat(dir, name, 0);
      } catch (SyscallException e) {
        if (e.errno() == Syscalls.EISDIR || e.errno() == 1 /* EPERM for directories */) {
          Syscalls.unlinkat(dir, name, Syscalls.AT_REMOVEDIR);
        } else {
          throw e;
        }
      }
    } catch (SyscallException e) {
      throw translate(path, e);
    } finally {
      Syscalls.close(dir);
    }
  }

  private static Entry entry(String name, PosixFileAttributes a) {
    String type = a.isRegularFile() ? "file" : a.isDirectory() ? "directory" : a.isSymbolicLink() ? "symlink" : "other";
    return new Entry(name, type, a.size(), FileModes.octal(FileModes.mode(a.permissions())), a.lastModifiedTime().toInstant());
  }
}
