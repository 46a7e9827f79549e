package dev.warren.sandbox;

import dev.warren.error.Problem;
import dev.warren.host.DiskSpace;
import dev.warren.host.SyscallException;
import dev.warren.host.Syscalls;
import dev.warren.runtime.InRoot;
import dev.warren.runtime.Limits;
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
import java.nio.file.attribute.PosixFilePermission;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * Files of a running sandbox, reached from the host through its root filesystem mount. Every path
 * is resolved with openat2(RESOLVE_IN_ROOT): {@code ..} and symlinks, absolute or not, resolve
 * inside the sandbox as chroot would, so nothing outside it can be named; magic links and other
 * mounts are refused. New files and directories belong to the sandbox's root.
 */
public final class SandboxFiles {
  public static final int MAX_PATH = 4096;

  /** One directory entry. {@code type} is file, directory, symlink or other; {@code mode} is octal. */
  public record Entry(String name, String type, long size, String mode, Instant modifiedAt) {}

  private final String sandboxId;
  private final Path root;
  private final long rootUid;
  private final Limits limits;

  SandboxFiles(String sandboxId, Path root, long rootUid, Limits limits) {
    this.sandboxId = sandboxId;
    this.root = root;
    this.rootUid = rootUid;
    this.limits = limits;
  }

  static String checkPath(String path) {
    if (path == null || path.isEmpty()) {
      throw SandboxException.invalidField("path", "path is required (an absolute path inside the sandbox)");
    }
    if (!path.startsWith("/")) {
      throw SandboxException.invalidField("path", "path must be absolute, got '" + path + "'");
    }
    if (path.length() > MAX_PATH || path.indexOf('\0') >= 0) {
      throw SandboxException.invalidField("path", "path must be under " + MAX_PATH + " bytes without NUL");
    }
    return path;
  }

  private int rootFd() {
    try {
      return InRoot.openRoot(root);
    } catch (SyscallException e) {
      throw new SandboxException(Problem.CONFLICT, "the filesystem of " + sandboxId + " is not mounted (is it running?)", e);
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

  private SandboxException translate(String path, SyscallException e) {
    return switch (e.errno()) {
      case Syscalls.ENOENT -> new SandboxException(Problem.NOT_FOUND, "no such file or directory in " + sandboxId + ": " + path);
      case Syscalls.ENOTDIR -> SandboxException.invalidField("path", "a component of " + path + " is not a directory");
      case Syscalls.EISDIR -> SandboxException.invalidField("path", path + " is a directory");
      case Syscalls.ELOOP -> SandboxException.invalidField("path", path + " has too many symbolic links or a link that cannot be followed");
      case Syscalls.EEXIST -> new SandboxException(Problem.CONFLICT, path + " already exists");
      case Syscalls.ENOTEMPTY -> new SandboxException(Problem.CONFLICT, path + " is a directory that is not empty (use recursive=true)");
      case 18 -> SandboxException.invalidField("path", path + " crosses into a special filesystem Warren does not serve");
      case DiskSpace.ENOSPC -> diskFull(path, e);
      default -> new SandboxException(Problem.INVALID_INPUT, "cannot access " + path + " in " + sandboxId + ": " + e.getMessage(), e);
    };
  }

  /**
   * ENOSPC while writing into the sandbox: its own disk is full (507), or, for a sandbox without
   * one, the data directory's disk (503 naming it).
   */
  private SandboxException diskFull(String path, Exception cause) {
    if (!limits.hasDisk()) {
      return new SandboxException(Problem.UNAVAILABLE, "no space left on the disk holding " + sandboxId, cause);
    }
    return new SandboxException(Problem.SANDBOX_DISK_FULL, "cannot write " + path + ": the disk of sandbox " + sandboxId
        + " is full (limits.diskMb " + limits.diskMb() + ", limits.diskInodes " + limits.diskInodes()
        + "); delete files in it, or give a new sandbox a larger limits.diskMb or limits.diskInodes");
  }

  /** Opens a regular file for reading; the stream owns the descriptor. */
  public InputStream read(String path) {
    checkPath(path);
    int fd = resolve(path, Syscalls.O_PATH, 0);
    try {
      PosixFileAttributes a = Files.readAttributes(InRoot.procFd(fd), PosixFileAttributes.class);
      if (a.isDirectory()) {
        throw SandboxException.invalidField("path", path + " is a directory; list it with /files/list");
      }
      if (!a.isRegularFile()) {
        throw SandboxException.invalidField("path", path + " is not a regular file");
      }
      return Files.newInputStream(InRoot.procFd(fd));
    } catch (IOException e) {
      throw new SandboxException(Problem.NOT_FOUND, "cannot read " + path + " in " + sandboxId + ": " + e.getMessage(), e);
    } finally {
      Syscalls.close(fd);
    }
  }

  public long size(String path) {
    int fd = resolve(checkPath(path), Syscalls.O_PATH, 0);
    try {
      return Files.size(InRoot.procFd(fd));
    } catch (IOException e) {
      return -1;
    } finally {
      Syscalls.close(fd);
    }
  }

  /**
   * Writes {@code in} to {@code path} atomically (a temporary file renamed over it), creating
   * parent directories. At most {@code maxBytes} are accepted; past that nothing is changed.
   */
  public long write(String path, InputStream in, long maxBytes, Optional<Integer> mode) {
    checkPath(path);
    if (path.endsWith("/")) {
      throw SandboxException.invalidField("path", "path must name a file, not a directory: " + path);
    }
    int slash = path.lastIndexOf('/');
    String parent = slash == 0 ? "/" : path.substring(0, slash);
    String name = path.substring(slash + 1);
    if (name.equals(".") || name.equals("..")) {
      throw SandboxException.invalidField("path", "path must name a file: " + path);
    }
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
      long written = 0;
      try {
        Syscalls.fchown(fd, (int) rootUid, (int) rootUid);
        Syscalls.fchmod(fd, mode.orElse(existingMode));
        try (FileChannel ch = FileChannel.open(InRoot.procFd(fd), StandardOpenOption.WRITE)) {
          OutputStream out = Channels.newOutputStream(ch);
          byte[] buf = new byte[1 << 16];
          int n;
          while ((n = in.read(buf)) >= 0) {
            written += n;
            if (written > maxBytes) {
              throw new SandboxException(Problem.TOO_LARGE, "upload to " + path + " is larger than the limit of " + maxBytes + " bytes");
            }
            try {
              out.write(buf, 0, n);
            } catch (IOException e) {
              if (DiskSpace.isNoSpace(e)) {
                throw diskFull(path, e);
              }
              throw e;
            }
          }
          if (limits.hasDisk()) {
            // a disk image is written back to the host later: only a sync learns that the host had no room for it
            ch.force(false);
          }
        }
      } catch (IOException e) {
        throw new SandboxException(Problem.INVALID_INPUT, "upload to " + path + " failed after " + written + " bytes: " + e.getMessage(), e);
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

  private Optional<Integer> existingMode(int dir, String name) {
    try {
      int fd = Syscalls.openat(dir, name, Syscalls.O_PATH | Syscalls.O_NOFOLLOW, 0);
      try {
        // follow /proc/self/fd/N to what fd holds (O_NOFOLLOW already kept that from being a link's target)
        PosixFileAttributes a = Files.readAttributes(InRoot.procFd(fd), PosixFileAttributes.class);
        return a.isRegularFile() ? Optional.of(bits(a.permissions())) : Optional.empty();
      } finally {
        Syscalls.close(fd);
      }
    } catch (SyscallException | IOException e) {
      return Optional.empty();
    }
  }

  /** Creates {@code path} and its missing parents, owned by the sandbox's root. */
  public void mkdirs(String path) {
    checkPath(path);
    StringBuilder prefix = new StringBuilder();
    for (String part : path.split("/")) {
      if (part.isEmpty() || part.equals(".")) {
        continue;
      }
      String parent = prefix.isEmpty() ? "/" : prefix.toString();
      prefix.append('/').append(part);
      if (part.equals("..")) {
        continue;
      }
      int dir = resolve(parent, Syscalls.O_PATH | Syscalls.O_DIRECTORY, 0);
      try {
        Syscalls.mkdirat(dir, part, 0755);
        int created = Syscalls.openat(dir, part, Syscalls.O_RDONLY | Syscalls.O_DIRECTORY | Syscalls.O_NOFOLLOW, 0);
        try {
          Syscalls.fchown(created, (int) rootUid, (int) rootUid);
          // exactly 0755: the controller's umask (077) would keep the sandbox's other users out
          Syscalls.fchmod(created, 0755);
        } finally {
          Syscalls.close(created);
        }
      } catch (SyscallException e) {
        if (e.errno() != Syscalls.EEXIST) {
          throw translate(prefix.toString(), e);
        }
      } finally {
        Syscalls.close(dir);
      }
    }
    int check = resolve(path, Syscalls.O_PATH | Syscalls.O_DIRECTORY, 0);
    Syscalls.close(check);
  }

  public List<Entry> list(String path) {
    checkPath(path);
    int fd = resolve(path, Syscalls.O_PATH | Syscalls.O_DIRECTORY, 0);
    List<Entry> out = new ArrayList<>();
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(InRoot.procFd(fd))) {
      for (Path p : ds) {
        try {
          PosixFileAttributes a = Files.readAttributes(p, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
          String type = a.isRegularFile() ? "file" : a.isDirectory() ? "directory" : a.isSymbolicLink() ? "symlink" : "other";
          out.add(new Entry(p.getFileName().toString(), type, a.size(), String.format("%04o", bits(a.permissions())),
              a.lastModifiedTime().toInstant()));
        } catch (IOException e) {
          // removed while listing
        }
      }
    } catch (IOException e) {
      throw new SandboxException(Problem.INVALID_INPUT, "cannot list " + path + " in " + sandboxId + ": " + e.getMessage(), e);
    } finally {
      Syscalls.close(fd);
    }
    out.sort((x, y) -> x.name().compareTo(y.name()));
    return out;
  }

  /** Deletes a file, a symlink or an empty directory (recursive deletes run inside the sandbox). */
  public void delete(String path) {
    checkPath(path);
    String norm = path.replaceAll("/+$", "");
    int slash = norm.lastIndexOf('/');
    if (norm.isEmpty() || slash < 0) {
      throw SandboxException.invalidField("path", "refusing to delete the root directory");
    }
    String parent = slash == 0 ? "/" : norm.substring(0, slash);
    String name = norm.substring(slash + 1);
    if (name.equals(".") || name.equals("..")) {
      throw SandboxException.invalidField("path", "path must name a file or directory: " + path);
    }
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

  private static int bits(Set<PosixFilePermission> perms) {
    int m = 0;
    for (PosixFilePermission p : perms) {
      m |= switch (p) {
        case OWNER_READ -> 0400;
        case OWNER_WRITE -> 0200;
        case OWNER_EXECUTE -> 0100;
        case GROUP_READ -> 040;
        case GROUP_WRITE -> 020;
        case GROUP_EXECUTE -> 010;
        case OTHERS_READ -> 04;
        case OTHERS_WRITE -> 02;
        case OTHERS_EXECUTE -> 01;
      };
    }
    return m;
  }
}
