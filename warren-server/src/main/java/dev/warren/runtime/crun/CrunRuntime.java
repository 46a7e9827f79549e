package dev.warren.runtime.crun;

import dev.warren.config.SeccompAllow;
import dev.warren.host.Instance;
import dev.warren.host.Tool;
import dev.warren.host.ToolException;
import dev.warren.net.Network;
import dev.warren.runtime.Capability;
import dev.warren.runtime.DiskPolicy;
import dev.warren.runtime.ExecResult;
import dev.warren.runtime.ExecSpec;
import dev.warren.runtime.Guest;
import dev.warren.runtime.GuestDir;
import dev.warren.runtime.GuestFiles;
import dev.warren.runtime.Observed;
import dev.warren.runtime.RunningSandbox;
import dev.warren.runtime.RuntimeUnavailableException;
import dev.warren.runtime.SandboxRuntime;
import dev.warren.runtime.SandboxRuntimeException;
import dev.warren.runtime.StartSpec;
import dev.warren.runtime.Usage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Sandboxes as OCI containers run by crun. See {@link SandboxRuntime} for the contract and
 * DESIGN.md for the machine facts this works around (hybrid cgroups, idmapped lower layers, netns
 * wired between create and start).
 */
final class CrunRuntime implements SandboxRuntime {
  private static final Logger log = LoggerFactory.getLogger(CrunRuntime.class);
  private static final Duration CRUN_TIMEOUT = Duration.ofSeconds(60);
  /** How long the processes of a pausing sandbox may take to be frozen (one busy in the kernel is frozen when it leaves it). */
  private static final Duration FREEZE_WAIT = Duration.ofSeconds(5);
  private static final JsonMapper JSON = JsonMapper.builder().build();

  private final Instance instance;
  private final Path sandboxesDir;
  private final Path helpersDir;
  private final Path runDir;
  private final Path crunRoot;
  private final String crun;
  private final Network network;
  private final MountNamespace mountNs;
  private final UserNamespaces userns;
  private final Cgroups cgroups;
  private final java.util.concurrent.atomic.AtomicBoolean weightRefused = new java.util.concurrent.atomic.AtomicBoolean();
  private final Execs execs;
  private final ContainerEnd ends;
  private final DiskLimit disks;
  private final LayerMounts layerMounts = new LayerMounts();
  private final Ext4Volumes volumes;
  private final SeccompAllow seccompAllow;
  private volatile Seccomp.Filter seccomp;
  private final NetnsDialer dialer = new NetnsDialer();
  private volatile long maxFiles = 16384;

  /** The runtime's inotify watcher, made by the first agent or directory that needs it; closed with the runtime. */
  private FileWatch watch;
  private final Agents agents;

  CrunRuntime(Instance instance, Path sandboxesDir, Path helpersDir, Optional<Path> crunBinary, Network network,
      SeccompAllow seccompAllow, DiskPolicy diskPolicy) {
    this.seccompAllow = seccompAllow;
    this.instance = instance;
    this.sandboxesDir = sandboxesDir;
    this.helpersDir = helpersDir;
    this.runDir = Path.of("/run/warren", instance.name());
    this.crunRoot = runDir.resolve("crun");
    this.crun = crunBinary.map(Path::toString).orElse("crun");
    this.network = network;
    this.mountNs = new MountNamespace(runDir, sandboxesDir);
    this.userns = new UserNamespaces(instance);
    this.cgroups = new Cgroups(instance);
    this.execs = new Execs(this::crunArgv, cgroups);
    this.ends = new ContainerEnd(crunRoot, this::crunArgv, cgroups, CRUN_TIMEOUT);
    this.disks = new Ext4Disks(sandboxesDir, sandboxesDir.resolveSibling("disk-templates"), diskPolicy);
    this.volumes = new Ext4Volumes(sandboxesDir.resolveSibling("volumes"), sandboxesDir.resolveSibling("disk-templates"),
        diskPolicy.keepFreeBytes());
    this.agents = new Agents(this::dirs, this::rootUidOf, this::watch, id -> this.disks.nearlyFull(dirs(id)), execs, cgroups);
  }

  @Override
  public String name() {
    return "crun";
  }

  @Override
  public void init() {
    // the network's checks run tools of their own (ip, nft) and touch nothing of crun's: beside them
    dev.warren.host.Beside.alongside("warren-network-init", network::init, this::initCrun);
  }

  private void initCrun() {
    // crun's own check (a process started and waited for, 70-140 ms under load) beside the steps below, none of which runs crun
    dev.warren.host.Beside.alongside("warren-crun-check", this::checkCrun, this::initDirs);
  }

  private void checkCrun() {
    try {
      Tool.check(List.of(crun, "--version"), Duration.ofSeconds(10));
    } catch (ToolException e) {
      throw new RuntimeUnavailableException("crun is not usable (" + e.getMessage() + "); install the Debian package crun (./warren up does) or set WARREN_CRUN", e);
    }
  }

  private void initDirs() {
    for (String tool : List.of("unshare", "nsenter")) {
      if (!Files.isExecutable(Path.of("/usr/bin", tool))) {
        throw new RuntimeUnavailableException(tool + " is missing; install util-linux");
      }
    }
    try {
      Files.createDirectories(crunRoot);
      Files.createDirectories(helpersDir);
    } catch (IOException e) {
      throw new RuntimeUnavailableException("cannot create " + crunRoot + ": " + e.getMessage(), e);
    }
    HostChecks.checkTraversable(sandboxesDir);
    weighSandboxes();
    // every sandbox directory's owners and modes (a dozen files each, hundreds of sandboxes, about
    // a seventh of a second): those there now are checked in the background, the rest of the start
    // and the first calls do not wait. Only those: one a create makes meanwhile has no slot file yet,
    // and a directory without one is given to root.
    List<Path> existing;
    try {
      existing = SandboxDirs.all(sandboxesDir);
    } catch (IOException e) {
      throw new RuntimeUnavailableException("cannot list the sandboxes in " + sandboxesDir + ": " + e.getMessage(), e);
    }
    Thread.ofPlatform().daemon().name("warren-sandbox-dirs").start(() -> {
      try {
        SandboxDirs.secureAll(existing, slot -> Uids.rootUid(instance, slot));
      } catch (IOException | RuntimeException e) {
        log.error("cannot check the owners and modes of the sandboxes' files in {}: {}", sandboxesDir, e.getMessage());
      }
    });
    initTools();
  }

  private void initTools() {
    Helpers.install(helpersDir);
    seccomp = Seccomp.filter(seccompAllow.syscalls());
    // the calls a killed controller left running are found among all the host's processes (each one's command line read): beside the namespace and disks
    dev.warren.host.Beside.alongside("warren-crun-calls", this::endInFlightCalls, () -> {
      // before the sandboxes are reconciled: a disk a killed controller left frozen mid-snapshot would hang its writers
      BlockLayers.thawLeftovers(sandboxesDir);
      mountNs.init();
      disks.init();
      volumes.init();
    });
    maxFiles = Math.min(16384, HostChecks.hardNoFile());
  }

  private void endInFlightCalls() {
    List<String> ended = InFlightCalls.endAll(crunRoot);
    if (!ended.isEmpty()) {
      log.warn("ended {} crun calls of the previous controller, killed while they ran (what they made is reconciled next): {}",
          ended.size(), ended);
    }
  }

  @Override
  public Optional<String> problem() {
    if (!Files.isDirectory(crunRoot)) {
      return Optional.of("crun state directory " + crunRoot + " is missing");
    }
    if (!Files.isDirectory(sandboxesDir)) {
      return Optional.of("sandboxes directory " + sandboxesDir + " is missing");
    }
    return Optional.empty();
  }

  List<String> crunArgv(List<String> args) {
    List<String> argv = new ArrayList<>(mountNs.prefix());
    argv.add(crun);
    argv.add("--root");
    argv.add(crunRoot.toString());
    argv.addAll(args);
    return argv;
  }

  SandboxDirs dirs(String id) {
    return new SandboxDirs(sandboxesDir.resolve(id));
  }

  private synchronized FileWatch watch() {
    if (watch == null) {
      watch = new FileWatch();
    }
    return watch;
  }

  /** The slot the sandbox was last started in, from its state directory; -1 when unknown. */
  private int slotOf(String id) {
    try {
      return Integer.parseInt(Files.readString(dirs(id).slotFile()).strip());
    } catch (IOException | NumberFormatException e) {
      return -1;
    }
  }

  /** The host uid that is root in the sandbox {@code id}, which must have been started. */
  private long rootUidOf(String id) {
    int slot = slotOf(id);
    if (slot < 0) {
      throw new SandboxRuntimeException("sandbox " + id + " has not been started (it has no slot)");
    }
    return Uids.rootUid(instance, slot);
  }

  @Override
  public RunningSandbox start(StartSpec spec) {
    String id = spec.id();
    SandboxDirs dirs = dirs(id);
    long rootUid = Uids.rootUid(instance, spec.slot());
    if (Files.exists(crunRoot.resolve(id))) {
      ends.deleteRecorded(id);
    }
    network.detach(id, spec.slot(), spec.address());
    try {
      long t0 = System.nanoTime();
      // the slot's user namespace (a new slot's is made by a process) beside the disk (attached and
      // mounted): neither needs the other
      dev.warren.host.Beside<Integer> slotNs = dev.warren.host.Beside.compute("userns-" + id, () -> userns.fd(spec.slot()));
      DiskLimit.Layer layer;
      long t1;
      try {
        // the disk first: a new sandbox's directory may come with a ready disk in it
        layer = spec.limits().hasDisk() ? disks.open(id, dirs, spec.limits(), rootUid) : RootFs.plainLayer(id, dirs, rootUid);
      } catch (RuntimeException e) {
        slotNs.joinAfter(e);
        throw e;
      } finally {
        t1 = System.nanoTime();
      }
      int usernsFd = slotNs.join();
      long tDisk = System.nanoTime();
      Files.createDirectories(dirs.root());
      dirs.secure(rootUid);
      Files.writeString(dirs.slotFile(), spec.slot() + "\n");
      RootFs.mount(id, spec.lowers(), dirs, layer, usernsFd, rootUid, layerMounts, userns);
      long tVolumes = System.nanoTime();
      List<OciSpec.Bind> binds = VolumeBinds.attach(id, dirs, spec.volumes(), volumes, usernsFd, rootUid);
      tVolumes = System.nanoTime() - tVolumes;
      agents.attach(id, rootUid);
      RootFs.writeEtc(spec, dirs, network.gateway());
      Files.createDirectories(dirs.bundle());
      Files.writeString(dirs.bundle().resolve("config.json"),
          OciSpec.build(spec, instance, dirs, helpersDir, rootUid, maxFiles, seccomp, binds));
      Files.deleteIfExists(dirs.pidFile());
      dirs.secure(rootUid);
      long t2 = System.nanoTime();
      create(id, dirs);
      weighSandboxes();
      long pid = Long.parseLong(Files.readString(dirs.pidFile()).strip());
      long t3 = System.nanoTime();
      try {
        network.attach(id, spec.slot(), pid, spec.address());
      } catch (RuntimeException e) {
        if (ProcStat.ended(pid)) {
          throw new SandboxRuntimeException("cannot start sandbox " + id + ": the init crun create made (pid " + pid
              + ") ended before its network was wired, so crun or its init was killed from outside; start it again", e);
        }
        throw e;
      }
      long t4 = System.nanoTime();
      Tool.run(crunArgv(List.of("start", id)), CRUN_TIMEOUT).orThrow();
      long t5 = System.nanoTime();
      log.debug("started {} gen {}: disk {} ms, userns after it {} ms, rootfs {} ms (volumes {} ms), create {} ms, network {} ms, start {} ms", id,
          spec.generation(), ms(t1 - t0), ms(tDisk - t1), ms(t2 - tDisk), ms(tVolumes), ms(t3 - t2), ms(t4 - t3), ms(t5 - t4));
      return new RunningSandbox(id, pid);
    } catch (IOException | RuntimeException e) {
      SandboxRuntimeException failure = e instanceof SandboxRuntimeException s ? s
          : new SandboxRuntimeException("cannot start sandbox " + id + ": " + e.getMessage(), e);
      try {
        stop(id, spec.slot(), spec.address());
      } catch (RuntimeException cleanup) {
        failure.addSuppressed(cleanup);
      }
      throw failure;
    }
  }

  /** See {@link Cgroups#weighSandboxes}: said once when it cannot be done, and never a reason to fail a start. */
  private void weighSandboxes() {
    try {
      cgroups.weighSandboxes();
    } catch (SandboxRuntimeException e) {
      if (!weightRefused.getAndSet(true)) {
        log.warn("{}; sandboxes busy with work compete with the controller for the CPUs as equals", e.getMessage());
      }
    }
  }

  private void create(String id, SandboxDirs dirs) throws IOException {
    List<String> argv = crunArgv(List.of("create", "--bundle", dirs.bundle().toString(), "--pid-file", dirs.pidFile().toString(), id));
    ProcessBuilder pb = new ProcessBuilder(argv)
        .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
        .redirectOutput(ProcessBuilder.Redirect.appendTo(dirs.initLog().toFile()))
        .redirectErrorStream(true);
    Process p = pb.start();
    try {
      if (!p.waitFor(CRUN_TIMEOUT.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)) {
        p.destroyForcibly();
        throw new SandboxRuntimeException("crun create " + id + " did not finish within " + CRUN_TIMEOUT.toSeconds() + " s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new SandboxRuntimeException("interrupted while creating " + id, e);
    }
    if (p.exitValue() != 0) {
      throw new SandboxRuntimeException("crun create " + id + " failed with exit code " + p.exitValue() + ": " + tail(dirs.initLog(), 2000));
    }
  }

  private static String ms(long nanos) {
    return String.format("%.1f", nanos / 1e6);
  }

  private static String tail(Path file, int max) {
    try {
      String s = Files.readString(file, StandardCharsets.UTF_8).strip();
      return s.length() > max ? s.substring(s.length() - max) : s;
    } catch (IOException e) {
      return "(no log)";
    }
  }

  @Override
  public void stop(String id) {
    int slot = slotOf(id);
    stop(id, slot, slot < 0 ? null : network.address(slot));
  }

  private void stop(String id, int slot, java.net.Inet4Address address) {
    List<RuntimeException> errors = new ArrayList<>();
    Runnable[] steps = {
        () -> agents.close(id),
        () -> ends.end(id),
        () -> network.detach(id, slot, address),
        () -> VolumeBinds.detach(id, dirs(id)),
        () -> RootFs.unmount(id, dirs(id)),
        () -> disks.close(id, dirs(id)),
        () -> ends.removeCgroups(id)
    };
    for (Runnable step : steps) {
      try {
        step.run();
      } catch (RuntimeException e) {
        errors.add(e);
      }
    }
    if (!errors.isEmpty()) {
      SandboxRuntimeException e = new SandboxRuntimeException("stopping " + id + " left something behind: " + errors.get(0).getMessage(), errors.get(0));
      errors.stream().skip(1).forEach(e::addSuppressed);
      throw e;
    }
  }

  @Override
  public void destroy(String id) {
    stop(id);
    Path dir = sandboxesDir.resolve(id);
    if (MountInfo.self().stream().anyMatch(m -> m.mountPoint().startsWith(dir + "/"))) {
      throw new SandboxRuntimeException("refusing to delete " + dir + ": something is still mounted inside it");
    }
    try {
      Tool.check(List.of("rm", "-rf", "--one-file-system", dir.toString()), Duration.ofMinutes(5));
    } catch (ToolException e) {
      throw new SandboxRuntimeException("cannot delete the files of " + id + ": " + e.getMessage(), e);
    }
  }

  @Override
  public List<Observed> observe() {
    var list = dev.warren.host.Beside.compute("crun-list", () -> Tool.run(crunArgv(List.of("list", "--format", "json")), CRUN_TIMEOUT));
    Census.Host host;
    try {
      host = Census.Host.read(sandboxesDir, disks.held(), network.attached(), cgroups.ids());
    } catch (RuntimeException e) {
      list.joinAfter(e);
      throw e;
    }
    Tool.Result r = list.join();
    if (!r.ok()) {
      throw new RuntimeUnavailableException("crun list failed: " + r.stderr().strip());
    }
    return Census.of(r.stdout(), host);
  }

  @Override
  public Optional<RunningSandbox> running(String id) {
    if (!Files.exists(crunRoot.resolve(id))) {
      return Optional.empty();
    }
    Tool.Result r = Tool.run(crunArgv(List.of("state", id)), CRUN_TIMEOUT);
    if (!r.ok()) {
      return Optional.empty();
    }
    JsonNode state = JSON.readTree(r.stdout());
    // a paused container runs too: its processes are frozen, not gone
    if (!List.of("running", "paused").contains(state.path("status").asString())) {
      return Optional.empty();
    }
    return Optional.of(new RunningSandbox(id, state.path("pid").asLong()));
  }

  @Override
  public Guest guest(String id) {
    return new CrunGuest(this, id);
  }

  @Override
  public Optional<dev.warren.runtime.HostVolumes> volumes() {
    return Optional.of(volumes);
  }

  @Override
  public java.util.Set<Capability> capabilities() {
    return java.util.EnumSet.of(Capability.DISK_LIMITS, Capability.PAUSE, Capability.FILESYSTEM_SNAPSHOT, Capability.ENVIRONMENT);
  }

  /**
   * Through the sandbox's freezer cgroup, written directly rather than by {@code crun pause}: the
   * same file crun writes, without a process (and a mount-namespace entry) per call. crun then
   * reports the container as {@code paused}.
   */
  @Override
  public void pause(String id) {
    cgroups.freeze(id, FREEZE_WAIT);
  }

  @Override
  public void resume(String id) {
    cgroups.thaw(id);
  }

  @Override
  public boolean paused(String id) {
    return cgroups.frozen(id);
  }

  @Override
  public LayerCapture captureLayer(String id, Path target) {
    SandboxDirs dirs = dirs(id);
    // a running sandbox's files are reached through its mounts; a stopped one's where stop() left them (its disk image,
    // or its upper directory), the caller keeping it stopped
    if (!RootFs.mounted(dirs) && !Files.isRegularFile(dirs.slotFile())) {
      throw new SandboxRuntimeException("sandbox " + id + " has no files to capture: it was never started (no " + dirs.slotFile() + ")");
    }
    // a sandbox with a disk of its own is captured whole, block by block; one without (limits without a disk, or made
    // before disk limits) file by file, as a tree
    if (Files.exists(dirs.diskImage())) {
      return BlockLayers.capture(id, dirs, target, rootUidOf(id));
    }
    return Layers.capture(id, dirs.upper(), target, rootUidOf(id));
  }

  @Override
  public void flattenLayers(List<dev.warren.runtime.Lower> lowers, Path target) {
    BlockLayers.flatten(lowers, target, layerMounts, userns);
  }

  Execs execs() {
    return execs;
  }

  ExecResult exec(String id, ExecSpec spec) {
    return agents.exec(id, spec);
  }

  long spawn(String id, ExecSpec spec) {
    return agents.spawn(id, spec);
  }

  @Override
  public void setEnvironment(String id, Map<String, String> env) {
    agents.setEnvironment(id, env);
  }

  GuestDir dir(String id, String absolutePath, boolean create) {
    return SandboxDir.open(dirs(id).rootfs(), absolutePath, rootUidOf(id), create, 0755, watch());
  }

  GuestFiles files(String id) {
    GuestFiles root = new CrunFiles(id, dirs(id).rootfs(), rootUidOf(id), Files.exists(dirs(id).diskImage()));
    List<VolumeBinds.Mounted> mounted = VolumeBinds.mounted(dirs(id), volumes);
    return mounted.isEmpty() ? root : new VolumeFiles(id, root, mounted);
  }

  java.nio.channels.SocketChannel connect(String id, int port, Duration timeout) {
    return dialer.connect("sandbox " + id, network.netnsPath(id), port, timeout);
  }

  @Override
  public Optional<Usage> usage(String id) {
    return cgroups.usage(id).map(u -> u.withDisk(disks.usage(dirs(id))));
  }

  @Override
  public void uninstall() {
    List<String> left = observe().stream().map(Observed::id).toList();
    if (!left.isEmpty()) {
      throw new SandboxRuntimeException("cannot uninstall: sandboxes still exist: " + left);
    }
    disks.uninstall();
    volumes.unmountAll();
    LayerMounts.detachAll(sandboxesDir.resolveSibling("layers"));
    network.remove();
    mountNs.remove();
    cgroups.removeParents();
    Tool.run(List.of("rm", "-rf", "--one-file-system", runDir.toString()), Duration.ofSeconds(30));
  }

  @Override
  public void close() {
    // the agents' descriptors (their directory and control FIFO) would keep each sandbox's disk busy
    agents.close();
    disks.close();
    userns.close();
    dialer.close();
    synchronized (this) {
      if (watch != null) {
        watch.close();
      }
    }
  }
}
