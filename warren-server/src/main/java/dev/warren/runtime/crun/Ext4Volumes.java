package dev.warren.runtime.crun;

import dev.warren.host.DiskSpace;
import dev.warren.host.FsCalls;
import dev.warren.host.LoopDevices;
import dev.warren.host.NoSpaceException;
import dev.warren.host.SyscallException;
import dev.warren.host.Tool;
import dev.warren.runtime.HostVolumes;
import dev.warren.runtime.Limits;
import dev.warren.runtime.SandboxRuntimeException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Volumes as ext4 images, made like sandbox disks (from {@link DiskTemplates}, sparse, mounted
 * with {@code discard} through {@link LoopMount}): {@code volumes/<name>/volume.img}, mounted at
 * {@code volumes/<name>/mnt} from the volume's create to its delete (and again at start-up, after a
 * host reboot). The size is the filesystem's: a full volume is ENOSPC in the sandbox that writes.
 * Files on it keep the uids they have inside sandboxes (0..65535), not any sandbox's host uids:
 * {@link VolumeBinds} idmaps them into each sandbox, as the golden image is.
 *
 * <p>Who may reach it on the host: {@code volumes/} and each volume's directory are root's, 0700,
 * so nobody but root reaches the image or the mounted files; the filesystem's own root is the
 * sandboxes' root's (uid 0 on disk), 0755. Labelled by path (the volume's name is its directory).
 *
 * <p>Thread-safe for different volumes; the caller serialises calls for one volume.
 */
final class Ext4Volumes implements HostVolumes {
  private static final Logger log = LoggerFactory.getLogger(Ext4Volumes.class);
  static final String IMAGE = "volume.img";
  private static final String OPTIONS = "noinit_itable,discard";
  private static final Duration RELEASE_WAIT = Duration.ofSeconds(2);

  private final Path dir;
  private final DiskTemplates templates;
  private final long keepFreeBytes;

  Ext4Volumes(Path dir, Path templatesDir, long keepFreeBytes) {
    this.dir = dir;
    this.templates = new DiskTemplates(templatesDir);
    this.keepFreeBytes = keepFreeBytes;
  }

  /** Makes the volumes directory (root's, 0700). */
  void init() {
    try {
      Files.createDirectories(dir);
      Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
    } catch (IOException e) {
      throw new SandboxRuntimeException("cannot create the volumes directory " + dir + ": " + e.getMessage(), e);
    }
  }

  Path image(String name) {
    return dir.resolve(name).resolve(IMAGE);
  }

  /** Where the volume's filesystem is mounted on the host. */
  Path mnt(String name) {
    return dir.resolve(name).resolve("mnt");
  }

  private Path deviceNote(String name) {
    return dir.resolve(name).resolve("volume.dev");
  }

  @Override
  public void create(String name, int sizeMb) {
    Path vdir = dir.resolve(name);
    if (Files.exists(vdir)) {
      // a create killed before its row was written, or a delete killed before its files went
      remove(name);
    }
    long bytes = sizeMb * (1L << 20);
    long free = FsCalls.statvfs(dir.toString()).availableBytes();
    if (bytes > free - keepFreeBytes) {
      throw new SandboxRuntimeException("volume " + name + " does not fit", new NoSpaceException("volume " + name + " may grow to "
          + DiskSpace.human(bytes) + " (sizeMb " + sizeMb + ") but only " + DiskSpace.human(Math.max(0, free - keepFreeBytes))
          + " is free above the " + DiskSpace.human(keepFreeBytes) + " that WARREN_MIN_FREE_SPACE keeps"));
    }
    Path tmp = vdir.resolve(IMAGE + ".tmp");
    try {
      Files.createDirectories(vdir);
      Files.setPosixFilePermissions(vdir, PosixFilePermissions.fromString("rwx------"));
      templates.copy(sizeMb, Limits.defaultInodes(sizeMb), tmp);
      Files.move(tmp, image(name), StandardCopyOption.ATOMIC_MOVE);
      open(name);
      // an empty directory for the sandboxes: mke2fs's lost+found is e2fsck's business (it makes one when it needs it)
      Files.deleteIfExists(mnt(name).resolve("lost+found"));
    } catch (IOException | RuntimeException e) {
      SandboxRuntimeException failure = e instanceof SandboxRuntimeException s ? s
          : new SandboxRuntimeException("cannot make volume " + name + " (" + sizeMb + " MiB): " + e.getMessage(), e);
      try {
        remove(name);
      } catch (RuntimeException cleanup) {
        failure.addSuppressed(cleanup);
      }
      throw failure;
    }
  }

  /**
   * Whether a filesystem is mounted at the volume's mount point: another device than its directory's
   * (two stats, where reading the mount table costs milliseconds on a host with many mounts).
   */
  private boolean mounted(String name) {
    Path mnt = mnt(name);
    try {
      return !Files.getAttribute(mnt, "unix:dev").equals(Files.getAttribute(mnt.getParent(), "unix:dev"));
    } catch (IOException e) {
      return false;
    }
  }

  @Override
  public void open(String name) {
    Path mnt = mnt(name);
    if (mounted(name)) {
      return;
    }
    if (!exists(name)) {
      throw new SandboxRuntimeException("the file of volume " + name + " (" + image(name) + ") is missing");
    }
    try {
      Files.createDirectories(mnt);
      Files.setPosixFilePermissions(mnt, PosixFilePermissions.fromString("rwx------"));
      Optional<String> live = LoopMount.device(deviceNote(name), image(name));
      if (live.isPresent()) {
        try {
          LoopMount.mountDevice(live.get(), mnt, OPTIONS);
          return;
        } catch (SyscallException e) {
          log.debug("volume {} not mounted from {}: {}", name, live.get(), e.getMessage());
        }
      }
      DiskCheck.repairIfUnclean("volume " + name, image(name));
      LoopMount.attachAndMount(image(name), mnt, deviceNote(name), OPTIONS);
    } catch (IOException | SyscallException e) {
      throw new SandboxRuntimeException("cannot mount volume " + name + " (" + image(name) + "): " + e.getMessage(), e);
    }
  }

  @Override
  public void remove(String name) {
    Path vdir = dir.resolve(name);
    unmount(name);
    Tool.run(List.of("rm", "-rf", "--one-file-system", vdir.toString()), Duration.ofMinutes(1)).orThrow();
    if (Files.exists(vdir)) {
      throw new SandboxRuntimeException("cannot delete the files of volume " + name + " in " + vdir + ": something is still mounted there");
    }
  }

  private void unmount(String name) {
    Optional<String> dev = LoopMount.device(deviceNote(name), image(name));
    RootFs.detach("volume " + name, mnt(name));
    if (dev.isPresent() && !LoopDevices.awaitDetached(dev.get(), image(name), RELEASE_WAIT)) {
      log.info("volume {} is unmounted but {} is still in use; the kernel detaches it with its last user", name, dev.get());
    }
  }

  @Override
  public boolean exists(String name) {
    return Files.isRegularFile(image(name));
  }

  @Override
  public Set<String> onHost() {
    Set<String> out = new TreeSet<>();
    if (!Files.isDirectory(dir)) {
      return out;
    }
    try (Stream<Path> s = Files.list(dir)) {
      s.forEach(p -> out.add(p.getFileName().toString()));
    } catch (IOException e) {
      throw new SandboxRuntimeException("cannot list the volumes in " + dir + ": " + e.getMessage(), e);
    }
    return out;
  }

  @Override
  public Optional<Long> usedBytes(String name) {
    if (!mounted(name)) {
      return Optional.empty();
    }
    try {
      return Optional.of(FsCalls.statvfs(mnt(name).toString()).usedBytes());
    } catch (SyscallException e) {
      return Optional.empty();
    }
  }

  @Override
  public void unmountAll() {
    onHost().forEach(this::unmount);
  }
}
