package dev.warren.runtime;

import dev.warren.host.Syscalls;
import java.nio.file.Path;

/**
 * The one way the controller names a file inside a sandbox from the host: openat2 with
 * {@code RESOLVE_IN_ROOT} under a descriptor of the sandbox's root filesystem, so that {@code ..}
 * and symlinks, absolute or not, resolve inside the sandbox as chroot would, magic links are
 * refused and no other mount is crossed ({@code RESOLVE_NO_XDEV}). Used by {@link SandboxDir} and
 * the sandbox's file API. Stateless.
 */
public final class InRoot {
  private static final long RESOLVE = Syscalls.RESOLVE_IN_ROOT | Syscalls.RESOLVE_NO_MAGICLINKS | 0x01; // RESOLVE_NO_XDEV

  private InRoot() {}

  /** A descriptor of the root filesystem the host sees at {@code rootfs} ({@code O_PATH}); the caller closes it. */
  public static int openRoot(Path rootfs) {
    return Syscalls.open(rootfs.toString(), Syscalls.O_PATH | Syscalls.O_DIRECTORY);
  }

  /**
   * Opens {@code path} (absolute inside the sandbox, or relative to its root; empty or {@code /} is
   * the root itself) under {@code root}.
   */
  public static int open(int root, String path, int flags, int mode) {
    String rel = path.replaceAll("^/+", "");
    return Syscalls.openat2(root, rel.isEmpty() ? "." : rel, flags, mode, RESOLVE);
  }

  /** A path through which the JDK reaches an open descriptor of this process. */
  public static Path procFd(int fd) {
    return Path.of("/proc/self/fd/" + fd);
  }
}
