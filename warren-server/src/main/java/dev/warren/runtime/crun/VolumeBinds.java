package dev.warren.runtime.crun;

import dev.warren.host.SyscallException;
import dev.warren.host.Syscalls;
import dev.warren.runtime.SandboxRuntimeException;
import dev.warren.runtime.VolumeMount;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;

/**
 * The volumes of one sandbox generation. At start each volume's host mount is attached, idmapped
 * to the sandbox's user namespace (read-only when asked: {@code MOUNT_ATTR_RDONLY}, so even the
 * host-side copy refuses writes), at {@code <sandbox>/volumes/<n>}, and bind-mounted by crun at
 * the path asked for, made first in the root filesystem as the sandbox's root (through
 * {@link InRoot}: a symlink in the path resolves inside the sandbox). A file a sandbox's uid 1000
 * writes is uid 1000 on the volume, and uid 1000 in the next sandbox, whatever the two sandboxes'
 * host uid ranges. The copies are detached at stop; {@code volumes/mounts} notes, for the file API,
 * which path is which volume ({@code path TAB name TAB ro|rw}, root's, 0600).
 *
 * <p>Stateless; the caller serialises calls for one sandbox.
 */
final class VolumeBinds {
  private VolumeBinds() {}

  /** One volume as the file API reaches it: {@code hostDir} is the volume's host mount (uids as inside the sandbox). */
  record Mounted(String path, String name, Path hostDir, boolean readOnly) {}

  static Path dir(SandboxDirs dirs) {
    return dirs.root().resolve("volumes");
  }

  /** Attaches the sandbox's copies of its volumes, makes their mount points and returns the binds crun makes. */
  static List<OciSpec.Bind> attach(String id, SandboxDirs dirs, List<VolumeMount> mounts, Ext4Volumes volumes, int usernsFd,
      long rootUid) {
    detach(id, dirs);
    if (mounts.isEmpty()) {
      return List.of();
    }
    Path base = dir(dirs);
    List<OciSpec.Bind> binds = new ArrayList<>();
    StringBuilder note = new StringBuilder();
    try {
      Files.createDirectories(base);
      // crun reaches the sources as the sandbox's root: it may pass, nobody else reaches the sandbox's directory
      Files.setPosixFilePermissions(base, PosixFilePermissions.fromString("rwx--x--x"));
      int rootFd = InRoot.openRoot(dirs.rootfs());
      try {
        for (int i = 0; i < mounts.size(); i++) {
          VolumeMount m = mounts.get(i);
          volumes.open(m.name());
          Path copy = base.resolve(Integer.toString(i));
          Files.createDirectories(copy);
          Syscalls.idmappedBind(volumes.mnt(m.name()).toString(), copy.toString(), usernsFd, m.readOnly());
          InRoot.mkdirs(rootFd, m.path(), rootUid, 0755, (at, e) -> new SandboxRuntimeException("cannot make the mount point "
              + m.path() + " of volume " + m.name() + " in " + id + " (at " + at + "): " + e.getMessage(), e));
          binds.add(new OciSpec.Bind(m.path(), copy, m.readOnly()));
          note.append(m.path()).append('\t').append(m.name()).append('\t').append(m.readOnly() ? "ro" : "rw").append('\n');
        }
      } finally {
        Syscalls.close(rootFd);
      }
      Path noteFile = base.resolve("mounts");
      Files.writeString(noteFile, note);
      Files.setPosixFilePermissions(noteFile, PosixFilePermissions.fromString("rw-------"));
    } catch (IOException | SyscallException e) {
      throw new SandboxRuntimeException("cannot mount the volumes of " + id + ": " + e.getMessage(), e);
    }
    return binds;
  }

  /** Detaches the sandbox's copies of its volumes (the volumes stay mounted on the host). Idempotent. */
  static void detach(String id, SandboxDirs dirs) {
    Path base = dir(dirs);
    if (!Files.isDirectory(base)) {
      return;
    }
    try (var s = Files.list(base)) {
      for (Path p : s.filter(Files::isDirectory).toList()) {
        RootFs.detach(id, p);
      }
    } catch (IOException e) {
      throw new SandboxRuntimeException("cannot list the volume mounts of " + id + ": " + e.getMessage(), e);
    }
  }

  /** The volumes the sandbox was last started with, as noted at its start. */
  static List<Mounted> mounted(SandboxDirs dirs, Ext4Volumes volumes) {
    Path noteFile = dir(dirs).resolve("mounts");
    if (!Files.exists(noteFile)) {
      return List.of();
    }
    List<Mounted> out = new ArrayList<>();
    try {
      for (String line : Files.readAllLines(noteFile)) {
        String[] f = line.split("\t");
        if (f.length == 3) {
          out.add(new Mounted(f[0], f[1], volumes.mnt(f[1]), f[2].equals("ro")));
        }
      }
    } catch (IOException e) {
      throw new SandboxRuntimeException("cannot read the volume mounts of " + dirs.root() + ": " + e.getMessage(), e);
    }
    return out;
  }
}
