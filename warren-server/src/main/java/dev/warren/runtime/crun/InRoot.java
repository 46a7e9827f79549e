package dev.warren.runtime.crun;

import dev.warren.host.SyscallException;
import dev.warren.host.Syscalls;
import java.nio.file.Path;
import java.util.function.BiFunction;

/**
 * The one way the controller names a file inside a sandbox from the host: openat2 with
 * {@code RESOLVE_IN_ROOT} under a descriptor of the sandbox's root filesystem, so that {@code ..}
 * and symlinks, absolute or not, resolve inside the sandbox as chroot would, magic links are
 * refused and no other mount is crossed ({@code RESOLVE_NO_XDEV}). Used by {@link SandboxDir} and
 * {@link CrunFiles}. Stateless.
 */
final class InRoot {
  private static final long RESOLVE = Syscalls.RESOLVE_IN_ROOT | Syscalls.RESOLVE_NO_MAGICLINKS | 0x01; // RESOLVE_NO_XDEV

  private InRoot() {}

  /** A descriptor of the root filesystem the host sees at {@code rootfs} ({@code O_PATH}); the caller closes it. */
  static int openRoot(Path rootfs) {
    return Syscalls.open(rootfs.toString(), Syscalls.O_PATH | Syscalls.O_DIRECTORY);
  }

  /**
   * Opens {@code path} (absolute inside the sandbox, or relative to its root; empty or {@code /} is
   * the root itself) under {@code root}.
   */
  static int open(int root, String path, int flags, int mode) {
    String rel = path.replaceAll("^/+", "");
    return Syscalls.openat2(root, rel.isEmpty() ? "." : rel, flags, mode, RESOLVE);
  }

  /** A path through which the JDK reaches an open descriptor of this process. */
  static Path procFd(int fd) {
    return Path.of("/proc/self/fd/" + fd);
  }

  /**
   * Makes {@code path} (absolute inside the sandbox) and its missing parents under {@code root},
   * each given to the sandbox's root with {@code mode}; {@code ..} resolves inside the sandbox. A
   * failure is handed to {@code failed} with the path made so far, and what it returns is thrown.
   */
  static void mkdirs(int root, String path, long rootUid, int mode, BiFunction<String, SyscallException, RuntimeException> failed) {
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
      try {
        int dir = open(root, parent, Syscalls.O_PATH | Syscalls.O_DIRECTORY, 0);
        try {
          Syscalls.mkdirat(dir, part, mode);
          ownDirectory(dir, part, rootUid, mode);
        } finally {
          Syscalls.close(dir);
        }
      } catch (SyscallException e) {
        if (e.errno() != Syscalls.EEXIST) {
          throw failed.apply(prefix.toString(), e);
        }
      }
    }
  }

  /**
   * Gives a directory just made to the sandbox's root with exactly {@code mode}: the controller's
   * umask (077) would otherwise keep the sandbox's other users out of it.
   */
  static void ownDirectory(int parent, String name, long rootUid, int mode) {
    int d = Syscalls.openat(parent, name, Syscalls.O_RDONLY | Syscalls.O_DIRECTORY | Syscalls.O_NOFOLLOW, 0);
    try {
      Syscalls.fchown(d, (int) rootUid, (int) rootUid);
      Syscalls.fchmod(d, mode);
    } finally {
      Syscalls.close(d);
    }
  }
}
