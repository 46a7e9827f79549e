package dev.warren.runtime.crun;

import dev.warren.host.DiskSpace;
import dev.warren.host.FsCalls;
import dev.warren.host.LoopDevices;
import dev.warren.host.NoSpaceException;
import dev.warren.host.SyscallException;
import dev.warren.host.Syscalls;
import dev.warren.host.Tool;
import dev.warren.runtime.DiskPolicy;
import dev.warren.runtime.Limits;
import dev.warren.runtime.RuntimeUnavailableException;
import dev.warren.runtime.SandboxRuntimeException;
import dev.warren.runtime.Usage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Each sandbox's disk is an ext4 image ({@code disk.img}, its size the limit, its inode count the
 * inode limit) on a loop device, mounted at {@code disk/} while the sandbox runs; the overlay's
 * upper and work directories live on it. A full disk is ENOSPC inside the sandbox and nothing
 * else. Images are copied from {@link DiskTemplates} and, unless the policy reserves them, sparse:
 * they take host space as they are written and give it back as files are deleted (the filesystem
 * is mounted with {@code discard}, which the loop device turns into holes).
 *
 * <p>Disks of the default size come ready from a {@link DiskPool} when one is there.
 *
 * <p>Labelled by path: the mount point and the loop device's backing file both lie in the
 * sandbox's directory, so {@link #held()} finds them by sandbox id. Loop devices are attached with
 * autoclear, so none outlives the filesystem mounted from it.
 *
 * <p>Thread-safe for different sandboxes; the caller serialises calls for one sandbox.
 */
final class Ext4Disks implements DiskLimit {
  private static final Logger log = LoggerFactory.getLogger(Ext4Disks.class);
  private static final String IMAGE = "disk.img";
  /** How long closing waits for the kernel to let go of a disk's loop device after the unmount. */
  private static final Duration RELEASE_WAIT = Duration.ofSeconds(2);

  private final Path sandboxesDir;
  private final DiskTemplates templates;
  private final DiskPolicy policy;
  private final DiskPool pool;

  Ext4Disks(Path sandboxesDir, Path templatesDir, DiskPolicy policy) {
    this.sandboxesDir = sandboxesDir;
    this.templates = new DiskTemplates(templatesDir);
    this.policy = policy;
    // a pooled reserved disk would hold its whole size on the host for nobody
    int pooled = policy.reserve() ? 0 : policy.poolSize();
    this.pool = new DiskPool(sandboxesDir, pooled, new DiskSize(policy.defaultDiskMb(), Limits.defaultInodes(policy.defaultDiskMb())),
        this::makeMounted, this::remove);
  }

  @Override
  public void init() {
    for (String tool : new String[] {DiskTemplates.MKE2FS, DiskCheck.E2FSCK}) {
      if (!Files.isExecutable(Path.of(tool))) {
        throw new RuntimeUnavailableException(tool + " is missing; sandbox disks are ext4 images: install e2fsprogs");
      }
    }
    if (!Files.exists(Path.of("/dev/loop-control"))) {
      throw new RuntimeUnavailableException("/dev/loop-control is missing; sandbox disks need loop devices: modprobe loop");
    }
    templates.init();
  }

  @Override
  public Layer open(String id, SandboxDirs dirs, Limits limits, long rootUid) {
    Path mnt = dirs.disk();
    Path image = dirs.diskImage();
    boolean fresh = !Files.exists(image);
    if (fresh || !MountInfo.isMountPoint(mnt)) {
      long t0 = System.nanoTime();
      DiskSize size = DiskSize.of(limits);
      String how;
      if (fresh) {
        admit(id, image, size);
        if (pool.take(dirs, size)) {
          how = "taken from the pool";
        } else {
          make(id, dirs, size);
          mount(id, dirs, Optional.empty());
          how = "made and mounted";
        }
      } else {
        // a disk stopped a moment ago may still be on its device while the kernel lets go of it
        Optional<String> live = device(dirs);
        if (live.isEmpty()) {
          admit(id, image, size);
          DiskCheck.repairIfUnclean(id, image);
        }
        mount(id, dirs, live);
        how = "mounted";
      }
      log.debug("disk of {} {} in {} us", id, how, (System.nanoTime() - t0) / 1000);
    }
    Layer layer = prepare(id, mnt);
    try {
      RootFs.chown(layer.upper(), rootUid);
    } catch (SyscallException e) {
      throw new SandboxRuntimeException("cannot give the disk of " + id + " to its root: " + e.getMessage(), e);
    }
    return layer;
  }

  /** An empty disk, mounted, with its upper and work directories (root's): a pooled one. */
  private void makeMounted(String label, SandboxDirs dirs, DiskSize size) {
    admit(label, dirs.diskImage(), size);
    make(label, dirs, size);
    mount(label, dirs, Optional.empty());
    prepare(label, dirs.disk());
  }

  /** Unmounts a disk and deletes its directory: a pooled one. */
  private void remove(String label, SandboxDirs dirs) {
    close(label, dirs);
    Tool.run(List.of("rm", "-rf", "--one-file-system", dirs.root().toString()), Duration.ofMinutes(1));
  }

  private void make(String id, SandboxDirs dirs, DiskSize size) {
    Path tmp = dirs.root().resolve(IMAGE + ".tmp");
    try {
      Files.createDirectories(dirs.root());
      Files.deleteIfExists(tmp);
      templates.copy(size.mb(), size.inodes(), tmp);
      if (policy.reserve()) {
        reserve(id, tmp, size);
      }
      Files.move(tmp, dirs.diskImage(), StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException | SyscallException e) {
      try {
        Files.deleteIfExists(tmp);
      } catch (IOException cleanup) {
        e.addSuppressed(cleanup);
      }
      throw new SandboxRuntimeException("cannot make the disk of " + id + " (" + size.mb() + " MiB): " + e.getMessage(), e);
    }
  }

  private static void reserve(String id, Path image, DiskSize size) {
    int fd = Syscalls.open(image.toString(), Syscalls.O_RDWR);
    try {
      FsCalls.fallocate(fd, 0, size.bytes());
    } catch (SyscallException e) {
      if (e.errno() == DiskSpace.ENOSPC) {
        throw new SandboxRuntimeException("cannot reserve the disk of " + id, new NoSpaceException("reserving the "
            + DiskSpace.human(size.bytes()) + " disk of sandbox " + id + " (limits.diskMb " + size.mb() + ") found no room"));
      }
      throw e;
    } finally {
      Syscalls.close(fd);
    }
  }

  /**
   * Starts a sandbox only when its disk can grow to its limit: what the image does not hold yet
   * must fit in the data directory's free space above the part it keeps.
   */
  private void admit(String id, Path image, DiskSize size) {
    long held = Files.exists(image) ? FsCalls.allocatedBytes(image.toString()) : 0;
    long needed = Math.max(0, size.bytes() - held);
    long free = FsCalls.statvfs(sandboxesDir.toString()).availableBytes();
    if (needed > free - policy.keepFreeBytes()) {
      throw new SandboxRuntimeException("the disk of " + id + " does not fit", new NoSpaceException("the disk of sandbox " + id
          + " may grow to " + DiskSpace.human(size.bytes()) + " (limits.diskMb " + size.mb() + "), " + DiskSpace.human(needed)
          + " more than it holds, but only " + DiskSpace.human(Math.max(0, free - policy.keepFreeBytes())) + " is free above the "
          + DiskSpace.human(policy.keepFreeBytes()) + " that WARREN_MIN_FREE_SPACE keeps; ask for a smaller limits.diskMb "
          + "(default WARREN_DEFAULT_DISK_MB)"));
    }
  }

  private void mount(String id, SandboxDirs dirs, Optional<String> live) {
    Path mnt = dirs.disk();
    try {
      Files.createDirectories(mnt);
      Files.setPosixFilePermissions(mnt, PosixFilePermissions.fromString("rwx------"));
    } catch (IOException e) {
      throw new SandboxRuntimeException("cannot create " + mnt + ": " + e.getMessage(), e);
    }
    // the filesystem discards freed blocks (holes in a sparse image) unless the image is reserved
    String options = policy.reserve() ? "noinit_itable" : "noinit_itable,discard";
    if (live.isPresent()) {
      try {
        LoopMount.mountDevice(live.get(), mnt, options);
        return;
      } catch (SyscallException e) {
        // the device was let go of meanwhile: attach the image afresh
        log.debug("disk of {} not mounted from {}: {}", id, live.get(), e.getMessage());
      }
    }
    try {
      LoopMount.attachAndMount(dirs.diskImage(), mnt, dirs.diskDevice(), options);
    } catch (IOException | SyscallException e) {
      throw new SandboxRuntimeException("cannot mount the disk of " + id + " (" + dirs.diskImage() + "): " + e.getMessage(), e);
    }
  }

  /** upper/ and work/ on the mounted disk, made on its first use; the disk's root stays root's alone. */
  private static Layer prepare(String id, Path mnt) {
    Layer layer = new Layer(mnt.resolve("upper"), mnt.resolve("work"));
    try {
      if (!Files.isDirectory(layer.upper())) {
        Files.setPosixFilePermissions(mnt, PosixFilePermissions.fromString("rwx------"));
        Files.createDirectories(layer.work());
        Files.createDirectories(layer.upper());
        // the upper layer's top is the sandbox's "/": 0755 like an image's root, not the controller's umask
        Files.setPosixFilePermissions(layer.upper(), PosixFilePermissions.fromString("rwxr-xr-x"));
      }
    } catch (IOException e) {
      throw new SandboxRuntimeException("cannot prepare the disk of " + id + ": " + e.getMessage(), e);
    }
    return layer;
  }

  @Override
  public void close(String id, SandboxDirs dirs) {
    RootFs.detach(id, dirs.disk());
    Optional<String> dev = device(dirs);
    if (dev.isPresent()) {
      if (!LoopDevices.awaitDetached(dev.get(), dirs.diskImage(), RELEASE_WAIT)) {
        log.info("the disk of {} is unmounted but {} is still in use; the kernel detaches it with its last user", id, dev.get());
      }
    } else if (!Files.exists(dirs.root())) {
      // a leftover whose directory is gone: find its devices by the image's name
      detachLeftovers(id);
    }
  }

  /** The loop device still attached to the sandbox's image, if any. */
  private static Optional<String> device(SandboxDirs dirs) {
    return LoopMount.device(dirs.diskDevice(), dirs.diskImage());
  }

  @Override
  public Optional<Usage.Disk> usage(SandboxDirs dirs) {
    Path mnt = dirs.disk();
    try {
      // mounted when it is another filesystem than the directory holding it
      if (Files.getAttribute(mnt, "unix:dev").equals(Files.getAttribute(dirs.root(), "unix:dev"))) {
        return Optional.empty();
      }
      FsCalls.FsStats s = FsCalls.statvfs(mnt.toString());
      return Optional.of(new Usage.Disk(s.usedBytes(), s.availableBytes(), s.usedInodes(), s.freeInodes()));
    } catch (IOException | SyscallException e) {
      return Optional.empty();
    }
  }

  @Override
  public Set<String> held() {
    Set<String> ids = new HashSet<>();
    String prefix = sandboxesDir + "/";
    for (String file : LoopDevices.backingFiles().values()) {
      String f = file.endsWith(" (deleted)") ? file.substring(0, file.length() - " (deleted)".length()) : file;
      if (f.startsWith(prefix) && f.endsWith("/" + IMAGE)) {
        String id = f.substring(prefix.length(), f.length() - IMAGE.length() - 1);
        if (!id.contains("/") && !id.startsWith(DiskPool.PREFIX)) {
          ids.add(id);
        }
      }
    }
    return ids;
  }

  private void detachLeftovers(String id) {
    String image = sandboxesDir.resolve(id).resolve(IMAGE).toString();
    LoopDevices.backingFiles().forEach((dev, file) -> {
      if (file.equals(image) || file.equals(image + " (deleted)")) {
        LoopDevices.detach(dev);
      }
    });
  }

  @Override
  public void uninstall() {
    pool.drain();
    templates.remove();
  }

  @Override
  public void close() {
    pool.close();
  }
}
