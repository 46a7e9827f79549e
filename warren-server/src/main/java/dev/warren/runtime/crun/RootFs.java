package dev.warren.runtime.crun;

import dev.warren.host.Syscalls;
import dev.warren.host.SyscallException;
import dev.warren.runtime.Lower;
import dev.warren.runtime.SandboxRuntimeException;
import dev.warren.runtime.StartSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A sandbox's root filesystem: an overlay whose lower layer is the golden image, idmapped so its
 * root-owned files belong to the sandbox's root, and whose upper layer is the sandbox's own
 * directory (on its disk, see {@link DiskLimit}). Mounting is a few milliseconds; nothing is copied.
 */
final class RootFs {
  private RootFs() {}

  /** The upper and work directories of a sandbox made before disk limits: plain directories beside its rootfs. */
  static DiskLimit.Layer plainLayer(String sandboxId, SandboxDirs dirs, long rootUid) {
    try {
      boolean fresh = !Files.exists(dirs.upper());
      Files.createDirectories(dirs.upper());
      Files.createDirectories(dirs.work());
      chown(dirs.upper(), rootUid);
      if (fresh) {
        // the upper layer's top is the sandbox's "/": 0755 like an image's root, not the controller's umask
        Files.setPosixFilePermissions(dirs.upper(), java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
      }
    } catch (IOException | SyscallException e) {
      throw new SandboxRuntimeException("cannot prepare the directories of " + sandboxId + ": " + e.getMessage(), e);
    }
    return new DiskLimit.Layer(dirs.upper(), dirs.work());
  }

  /**
   * Mounts the overlay of {@code lowers} (top first: snapshot layers, then the image), each idmapped
   * to the sandbox's range, under the sandbox's upper layer. A lower whose owners are the ids the
   * sandbox sees is idmapped through the slot's namespace {@code usernsFd}; one owned by another
   * sandbox's range (a snapshot layer kept as an image) through a namespace mapping that range to
   * {@code rootUid}'s, made for the mount and closed after it.
   */
  static void mount(String sandboxId, java.util.List<Lower> lowers, SandboxDirs dirs, DiskLimit.Layer layer, int usernsFd, long rootUid,
      LayerMounts layerMounts, UserNamespaces userns) {
    if (lowers.size() > SandboxDirs.MAX_LOWERS) {
      throw new SandboxRuntimeException("sandbox " + sandboxId + " would stack " + lowers.size() + " layers; at most " + SandboxDirs.MAX_LOWERS);
    }
    try {
      for (int i = 0; i < lowers.size(); i++) {
        Files.createDirectories(dirs.lower(i));
      }
      Files.createDirectories(dirs.rootfs());
    } catch (IOException e) {
      throw new SandboxRuntimeException("cannot prepare the directories of " + sandboxId + ": " + e.getMessage(), e);
    }
    // the mount table read once (it has lines for every sandbox: hundreds), not once per check
    java.util.Set<String> mounted = new java.util.HashSet<>();
    MountInfo.self().forEach(m -> mounted.add(m.mountPoint()));
    if (mounted.contains(dirs.rootfs().toString())) {
      return;
    }
    // each lower is attached here (or was, by a start a kill interrupted) until the overlay holds it
    boolean[] attached = new boolean[lowers.size()];
    StringBuilder lowerdir = new StringBuilder();
    try {
      for (int i = 0; i < lowers.size(); i++) {
        String lower = dirs.lower(i).toString();
        attached[i] = mounted.contains(lower);
        if (!attached[i]) {
          Lower l = lowers.get(i);
          String tree = layerMounts.tree(l).toString();
          if (l.uidBase() == 0) {
            Syscalls.idmappedBind(tree, lower, usernsFd);
          } else {
            int fd = userns.mapping(l.uidBase(), rootUid);
            try {
              Syscalls.idmappedBind(tree, lower, fd);
            } finally {
              Syscalls.close(fd);
            }
          }
          attached[i] = true;
        }
        lowerdir.append(i == 0 ? "" : ":").append(escape(lower));
      }
      String opts = "lowerdir=" + lowerdir + ",upperdir=" + escape(layer.upper().toString())
          + ",workdir=" + escape(layer.work().toString());
      Syscalls.mount("warren-" + sandboxId, dirs.rootfs().toString(), "overlay", 0, opts);
    } catch (SyscallException e) {
      throw new SandboxRuntimeException("cannot mount the root filesystem of " + sandboxId + " from "
          + lowers.stream().map(Lower::path).toList() + ": " + e.getMessage(), e);
    } finally {
      // the overlay holds its own reference to each idmapped tree; the attached copies are not needed
      for (int i = 0; i < lowers.size(); i++) {
        try {
          if (attached[i]) {
            Syscalls.umount(dirs.lower(i).toString(), Syscalls.MNT_DETACH);
          }
        } catch (SyscallException ignored) {
          // left for unmount() to retry
        }
      }
    }
  }

  static void unmount(String sandboxId, SandboxDirs dirs) {
    detach(sandboxId, dirs.rootfs());
    for (int i = 0; i < SandboxDirs.MAX_LOWERS; i++) {
      detach(sandboxId, dirs.lower(i));
    }
  }

  /** Lazily unmounts whatever is mounted at {@code p}, each of several stacked mounts, and what is under them. */
  static void detach(String sandboxId, Path p) {
    for (int i = 0; i < 8 && MountInfo.isMountPoint(p); i++) {
      try {
        Syscalls.umount(p.toString(), Syscalls.MNT_DETACH);
      } catch (SyscallException e) {
        if (e.errno() != Syscalls.EINVAL && e.errno() != Syscalls.ENOENT) {
          throw new SandboxRuntimeException("cannot unmount " + p + " of " + sandboxId + ": " + e.getMessage(), e);
        }
      }
    }
  }

  static boolean mounted(SandboxDirs dirs) {
    return MountInfo.isMountPoint(dirs.rootfs());
  }

  static void chown(Path p, long uid) {
    int fd = Syscalls.open(p.toString(), Syscalls.O_RDONLY | Syscalls.O_DIRECTORY);
    try {
      Syscalls.fchown(fd, (int) uid, (int) uid);
    } finally {
      Syscalls.close(fd);
    }
  }

  static String escape(String path) {
    if (path.contains(",") || path.contains(":")) {
      throw new SandboxRuntimeException("overlay paths must not contain ',' or ':': " + path);
    }
    return path;
  }

  /** The files bind-mounted into the sandbox's /etc: hosts, hostname, resolv.conf. */
  static void writeEtc(StartSpec spec, SandboxDirs dirs, java.net.InetAddress gateway) throws IOException {
    Files.createDirectories(dirs.etc());
    String addr = spec.address().getHostAddress();
    Files.writeString(dirs.etc().resolve("hosts"),
        "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n" + addr + "\t" + spec.id() + "\n"
            + gateway.getHostAddress() + "\twarren-gateway\n");
    Files.writeString(dirs.etc().resolve("hostname"), spec.id() + "\n");
    Files.writeString(dirs.etc().resolve("resolv.conf"),
        "# Warren sandboxes have no DNS of their own: names are resolved by the egress proxy (HTTP_PROXY).\n");
  }
}
