package dev.warren.runtime.microvm;

import dev.warren.host.Tool;
import dev.warren.host.ToolException;
import dev.warren.net.Network;
import dev.warren.runtime.Capability;
import dev.warren.runtime.ExecSpec;
import dev.warren.runtime.Guest;
import dev.warren.runtime.Lower;
import dev.warren.runtime.Observed;
import dev.warren.runtime.RunningSandbox;
import dev.warren.runtime.RuntimeUnavailableException;
import dev.warren.runtime.SandboxRuntime;
import dev.warren.runtime.SandboxRuntimeException;
import dev.warren.runtime.StartSpec;
import dev.warren.runtime.UnsupportedByRuntimeException;
import dev.warren.runtime.Usage;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sandboxes as QEMU microVMs (see {@link SandboxRuntime} for the contract, docs/microvm.md for how).
 * A VM is a daemonized QEMU found again through its directory ({@link VmDir}): a restarted
 * controller adopts what runs there. Thread-safe: the caller serialises lifecycle calls per
 * sandbox; the guest channels are made under a lock per sandbox and shared by concurrent calls.
 */
final class MicrovmRuntime implements SandboxRuntime {
  private static final Logger log = LoggerFactory.getLogger(MicrovmRuntime.class);
  /** A cold boot under TCG on a busy host: seconds, sometimes tens of them. */
  private static final Duration BOOT_TIMEOUT = Duration.ofSeconds(120);
  private static final Duration ATTACH_TIMEOUT = Duration.ofSeconds(30);
  private static final Duration QUIT_GRACE = Duration.ofSeconds(10);
  private static final Duration SYNC_TIMEOUT = Duration.ofSeconds(5);

  private final Network network;
  private final Path vmsDir;
  private final Path microvmImages;
  private final VmDisks disks;
  private final ConcurrentHashMap<String, GuestChannel> channels = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, ReentrantLock> channelLocks = new ConcurrentHashMap<>();
  private volatile Accel accel = Accel.TCG;

  MicrovmRuntime(Network network, Path vmsDir, Path microvmImages) {
    this.network = network;
    this.vmsDir = vmsDir;
    this.microvmImages = microvmImages;
    this.disks = new VmDisks(microvmImages.resolve("disks"));
  }

  @Override
  public String name() {
    return "microvm";
  }

  @Override
  public void init() {
    // the instance's bridge, which the egress proxy listens on; VMs have no network device yet
    dev.warren.host.Beside.alongside("warren-network-init", network::init, this::initVms);
  }

  private void initVms() {
    for (List<String> check : List.of(List.of(Qemu.BINARY, "--version"), List.of("qemu-img", "--version"), List.of("mkfs.ext4", "-V"))) {
      try {
        Tool.check(check, Duration.ofSeconds(20));
      } catch (ToolException e) {
        throw new RuntimeUnavailableException(check.getFirst() + " is not usable (" + e.getMessage()
            + "); install the Debian packages qemu-system-x86, qemu-utils and e2fsprogs (./warren up does)", e);
      }
    }
    Artifacts artifacts = Artifacts.find(microvmImages);
    try {
      Files.createDirectories(vmsDir);
      Files.setPosixFilePermissions(vmsDir, PosixFilePermissions.fromString("rwx------"));
    } catch (IOException e) {
      throw new RuntimeUnavailableException("cannot create " + vmsDir + ": " + e.getMessage(), e);
    }
    accel = KvmProbe.works(artifacts) ? Accel.KVM : Accel.TCG;
    log.info("microVMs run under {} with kernel {}", accel, artifacts.kernelVersion());
  }

  @Override
  public Optional<String> problem() {
    try {
      Artifacts.find(microvmImages);
      return Files.isDirectory(vmsDir) ? Optional.empty() : Optional.of(vmsDir + " is missing");
    } catch (RuntimeUnavailableException e) {
      return Optional.of(e.getMessage());
    }
  }

  @Override
  public RunningSandbox start(StartSpec spec) {
    if (spec.lowers().size() != 1 || !spec.lowers().getFirst().equals(Lower.tree(spec.image().rootfs()))) {
      throw new UnsupportedByRuntimeException(name(), "start a sandbox from a snapshot's layers");
    }
    VmDir vm = dir(spec.id());
    vm.create();
    endVm(vm);
    Artifacts artifacts = Artifacts.find(microvmImages);
    Path base = disks.base(spec.image());
    if (!Files.exists(vm.overlay())) {
      VmDisks.overlay(base, vm.overlay(), spec.limits().hasDisk() ? spec.limits().diskBytes() : 0);
    }
    ConfigDisk.write(vm.configDisk(), spec);
    vm.freshConsole();
    long t0 = System.nanoTime();
    long pid = Qemu.launch(vm, Qemu.argv(vm, artifacts, accel, spec.limits(), vm.overlay()));
    try {
      attach(vm, BOOT_TIMEOUT);
    } catch (RuntimeException e) {
      try {
        endVm(vm);
      } catch (RuntimeException cleanup) {
        e.addSuppressed(cleanup);
      }
      throw e;
    }
    log.info("sandbox {} generation {} booted ({}, pid {}) in {} ms", spec.id(), spec.generation(), accel, pid,
        (System.nanoTime() - t0) / 1_000_000);
    return new RunningSandbox(spec.id(), pid);
  }

  @Override
  public void stop(String id) {
    endVm(dir(id));
  }

  @Override
  public void destroy(String id) {
    VmDir vm = dir(id);
    endVm(vm);
    VmDir.deleteTree(vm.dir());
    channelLocks.remove(id);
  }

  /** Ends the VM if it runs and removes what only a running VM needs; its disk overlay stays. */
  private void endVm(VmDir vm) {
    if (!Files.isDirectory(vm.dir())) {
      return;
    }
    Optional<Long> pid = Qemu.running(vm);
    pid.ifPresent(p -> sync(vm));
    GuestChannel ch = channels.remove(vm.id());
    if (ch != null) {
      ch.close();
    }
    pid.ifPresent(p -> Qemu.end(vm, p, QUIT_GRACE));
    vm.clearRunFiles();
  }

  /**
   * Asks the guest to write its page cache to the disk before QEMU quits (quit is a power cut to
   * the guest). Best effort: a guest whose agent does not answer within seconds loses what it had
   * not written, as after a crash.
   */
  private void sync(VmDir vm) {
    try {
      GuestChannel ch = channels.get(vm.id());
      if (ch == null || !ch.open()) {
        ch = attach(vm, SYNC_TIMEOUT);
      }
      ch.exec(new ExecSpec(List.of("sync"), java.util.Map.of(), Optional.empty(), null, SYNC_TIMEOUT, 1024));
    } catch (RuntimeException e) {
      log.warn("sandbox {}: the guest did not sync its disk before its VM ended: {}", vm.id(), e.getMessage());
    }
  }

  @Override
  public List<Observed> observe() {
    List<Observed> seen = new ArrayList<>();
    try (DirectoryStream<Path> dirs = Files.newDirectoryStream(vmsDir, Files::isDirectory)) {
      for (Path d : dirs) {
        VmDir vm = new VmDir(d.getFileName().toString(), d);
        Optional<Long> pid = Qemu.running(vm);
        seen.add(new Observed(vm.id(), pid.map(p -> "running"), pid, false, false, true, false));
      }
    } catch (NoSuchFileException e) {
      return List.of();
    } catch (IOException e) {
      throw new RuntimeUnavailableException("cannot list the VMs in " + vmsDir + ": " + e.getMessage(), e);
    }
    return seen;
  }

  @Override
  public Optional<RunningSandbox> running(String id) {
    return Qemu.running(dir(id)).map(pid -> new RunningSandbox(id, pid));
  }

  @Override
  public Guest guest(String id) {
    return new MicrovmGuest(this, id);
  }

  /** The open channel to the VM's agent, connecting (after a controller restart) when there is none. */
  GuestChannel channel(String id) {
    GuestChannel ch = channels.get(id);
    if (ch != null && ch.open()) {
      return ch;
    }
    VmDir vm = dir(id);
    if (Qemu.running(vm).isEmpty()) {
      throw new SandboxRuntimeException("sandbox " + id + " is not running: its VM is gone");
    }
    return attach(vm, ATTACH_TIMEOUT);
  }

  private GuestChannel attach(VmDir vm, Duration timeout) {
    ReentrantLock lock = channelLocks.computeIfAbsent(vm.id(), k -> new ReentrantLock());
    lock.lock();
    try {
      GuestChannel ch = channels.get(vm.id());
      if (ch != null && ch.open()) {
        return ch;
      }
      GuestChannel fresh = GuestChannel.open(vm, timeout);
      channels.put(vm.id(), fresh);
      return fresh;
    } finally {
      lock.unlock();
    }
  }

  @Override
  public Optional<Usage> usage(String id) {
    return running(id).flatMap(r -> ProcUsage.of(r.initPid()));
  }

  @Override
  public Optional<String> accel() {
    return Optional.of(accel.qemuName());
  }

  @Override
  public Set<Capability> capabilities() {
    // diskMb sizes the VM's disk (its inodes follow ext4's ratio, not diskInodes exactly)
    return EnumSet.of(Capability.DISK_LIMITS);
  }

  /** Removes this instance's VM directories (every sandbox destroyed first). Base disks are the images', shared, and stay. */
  @Override
  public void uninstall() {
    List<String> left = observe().stream().map(Observed::id).toList();
    if (!left.isEmpty()) {
      throw new SandboxRuntimeException("cannot uninstall: sandboxes still exist: " + left);
    }
    VmDir.deleteTree(vmsDir);
    network.remove();
  }

  @Override
  public void close() {
    channels.values().forEach(GuestChannel::close);
    channels.clear();
  }

  private VmDir dir(String id) {
    if (!id.matches("[A-Za-z0-9_-]{1,64}")) {
      throw new IllegalArgumentException("not a sandbox id: " + id);
    }
    return new VmDir(id, vmsDir.resolve(id));
  }
}
