package dev.warren.runtime.crun;

import dev.warren.host.Instance;
import dev.warren.runtime.Limits;
import dev.warren.runtime.StartSpec;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Builds the OCI runtime config (config.json) of one sandbox generation. Every sandbox is
 * confined at least as Docker's default profile confines a container, and further: Docker's
 * capabilities without NET_RAW (no raw frames, no spoofing) and MKNOD, none inheritable or
 * ambient, no new privileges (setuid and file capabilities grant nothing), the {@link Seccomp}
 * filter, a devices cgroup that admits only the usual character devices, and /proc and /sys
 * paths masked or read-only as Docker masks them; root inside is an unprivileged uid outside.
 */
final class OciSpec {
  private static final JsonMapper JSON = JsonMapper.builder().build();
  static final List<String> CAPS = List.of(
      "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL", "CAP_SETGID", "CAP_SETUID",
      "CAP_SETPCAP", "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_AUDIT_WRITE", "CAP_SETFCAP");
  /** null, zero, full, random, urandom, tty, console, ptmx and the pseudo-terminals: {type, major, minor (-1: any)}. */
  private static final int[][] DEVICES = {{1, 3}, {1, 5}, {1, 7}, {1, 8}, {1, 9}, {5, 0}, {5, 1}, {5, 2}, {136, -1}};
  private static final List<String> MASKED = masked();
  static final String INIT = "/usr/bin/tini";

  private OciSpec() {}

  /** A directory of the host bind-mounted at {@code destination} inside the sandbox (nosuid, nodev). */
  record Bind(String destination, Path source, boolean readOnly) {}

  static String build(StartSpec spec, Instance instance, SandboxDirs dirs, Path helpersDir, long rootUid, long maxFiles,
      Seccomp.Filter seccomp) {
    return build(spec, instance, dirs, helpersDir, rootUid, maxFiles, seccomp, List.of());
  }

  /** The config with {@code volumes} bound last, over what the image has at their paths. */
  static String build(StartSpec spec, Instance instance, SandboxDirs dirs, Path helpersDir, long rootUid, long maxFiles,
      Seccomp.Filter seccomp, List<Bind> volumes) {
    ObjectNode root = JSON.createObjectNode();
    root.put("ociVersion", "1.0.2");
    ObjectNode process = root.putObject("process");
    process.put("terminal", false);
    // the usual umask inside, whatever the controller's own (077, which crun would otherwise pass on)
    process.putObject("user").put("uid", 0).put("gid", 0).put("umask", 022);
    ArrayNode args = process.putArray("args");
    for (String a : List.of(INIT, "-s", "-g", "--", "/bin/sh", "/.warren/init.sh")) {
      args.add(a);
    }
    ArrayNode env = process.putArray("env");
    new TreeMap<>(spec.env()).forEach((k, v) -> env.add(k + "=" + v));
    process.put("cwd", "/");
    ObjectNode caps = process.putObject("capabilities");
    for (String set : List.of("bounding", "effective", "permitted")) {
      ArrayNode a = caps.putArray(set);
      CAPS.forEach(a::add);
    }
    caps.putArray("inheritable");
    caps.putArray("ambient");
    ObjectNode nofile = process.putArray("rlimits").addObject();
    nofile.put("type", "RLIMIT_NOFILE").put("hard", maxFiles).put("soft", maxFiles);
    process.put("noNewPrivileges", true);
    process.put("oomScoreAdj", 500);

    root.putObject("root").put("path", dirs.rootfs().toString()).put("readonly", false);
    root.put("hostname", spec.id());

    ArrayNode mounts = root.putArray("mounts");
    mount(mounts, "/proc", "proc", "proc", List.of("nosuid", "noexec", "nodev"));
    mount(mounts, "/dev", "tmpfs", "tmpfs", List.of("nosuid", "strictatime", "mode=755", "size=65536k"));
    mount(mounts, "/dev/pts", "devpts", "devpts", List.of("nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"));
    mount(mounts, "/dev/shm", "tmpfs", "shm", List.of("nosuid", "noexec", "nodev", "mode=1777", "size=262144k"));
    mount(mounts, "/dev/mqueue", "mqueue", "mqueue", List.of("nosuid", "noexec", "nodev"));
    mount(mounts, "/sys", "sysfs", "sysfs", List.of("nosuid", "noexec", "nodev", "ro"));
    mount(mounts, "/run", "tmpfs", "tmpfs", List.of("nosuid", "nodev", "mode=755", "size=65536k"));
    bind(mounts, "/etc/hosts", dirs.etc().resolve("hosts"), true);
    bind(mounts, "/etc/hostname", dirs.etc().resolve("hostname"), true);
    bind(mounts, "/etc/resolv.conf", dirs.etc().resolve("resolv.conf"), true);
    bind(mounts, "/.warren", helpersDir, true);
    volumes.forEach(v -> bind(mounts, v.destination(), v.source(), v.readOnly()));

    ObjectNode linux = root.putObject("linux");
    ArrayNode ns = linux.putArray("namespaces");
    for (String t : List.of("pid", "network", "ipc", "uts", "mount", "user", "cgroup")) {
      ns.addObject().put("type", t);
    }
    for (String kind : List.of("uidMappings", "gidMappings")) {
      linux.putArray(kind).addObject().put("containerID", 0).put("hostID", rootUid).put("size", Uids.PER_SANDBOX);
    }
    linux.put("cgroupsPath", cgroupPath(instance, spec.id()));
    linux.put("rootfsPropagation", "private");
    resources(linux.putObject("resources"), spec.limits());
    linux.set("seccomp", seccomp.section());
    ArrayNode masked = linux.putArray("maskedPaths");
    MASKED.forEach(masked::add);
    ArrayNode ro = linux.putArray("readonlyPaths");
    for (String p : List.of("/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger")) {
      ro.add(p);
    }
    ObjectNode ann = root.putObject("annotations");
    ann.put("dev.warren.instance", instance.name());
    ann.put("dev.warren.sandbox", spec.id());
    ann.put("dev.warren.generation", Long.toString(spec.generation()));
    seccomp.bpf().ifPresent(bpf -> ann.put(SeccompBpf.ANNOTATION, bpf));
    return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root);
  }

  static String cgroupPath(Instance instance, String id) {
    return "/warren/" + instance.name() + "/" + id;
  }

  private static void resources(ObjectNode r, Limits limits) {
    r.putObject("memory").put("limit", limits.memoryBytes()).put("swap", limits.memoryBytes());
    r.putObject("pids").put("limit", limits.pids());
    long period = 100_000;
    r.putObject("cpu").put("period", period).put("quota", Math.max(1000, Math.round(limits.cpus() * period)));
    ArrayNode devices = r.putArray("devices");
    devices.addObject().put("allow", false).put("access", "rwm");
    for (int[] d : DEVICES) {
      ObjectNode allow = devices.addObject().put("allow", true).put("type", "c").put("major", d[0]);
      if (d[1] >= 0) {
        allow.put("minor", d[1]);
      }
      allow.put("access", "rwm");
    }
  }

  /**
   * /proc and /sys files that tell about or act on the host, and the host's cgroup tree; plus, as
   * Docker does, each CPU's thermal_throttle directory where the host has one.
   */
  private static List<String> masked() {
    List<String> out = new java.util.ArrayList<>(List.of("/proc/acpi", "/proc/asound", "/proc/interrupts", "/proc/kcore",
        "/proc/keys", "/proc/latency_stats", "/proc/sched_debug", "/proc/scsi", "/proc/timer_list", "/proc/timer_stats",
        "/sys/devices/virtual/powercap", "/sys/firmware", "/sys/fs/cgroup"));
    try (var cpus = java.nio.file.Files.newDirectoryStream(Path.of("/sys/devices/system/cpu"), "cpu[0-9]*")) {
      for (Path cpu : cpus) {
        if (java.nio.file.Files.isDirectory(cpu.resolve("thermal_throttle"))) {
          out.add(cpu.resolve("thermal_throttle").toString());
        }
      }
    } catch (java.io.IOException e) {
      // no CPU directory to mask
    }
    return List.copyOf(out);
  }

  private static void mount(ArrayNode mounts, String dest, String type, String source, List<String> options) {
    ObjectNode m = mounts.addObject();
    m.put("destination", dest).put("type", type).put("source", source);
    ArrayNode o = m.putArray("options");
    options.forEach(o::add);
  }

  private static void bind(ArrayNode mounts, String dest, Path source, boolean readOnly) {
    ObjectNode m = mounts.addObject();
    m.put("destination", dest).put("type", "bind").put("source", source.toString());
    ArrayNode o = m.putArray("options");
    o.add("rbind");
    o.add(readOnly ? "ro" : "rw");
    o.add("nosuid");
    o.add("nodev");
  }

  static Map<String, String> annotations(String json) {
    var node = JSON.readTree(json).path("annotations");
    Map<String, String> out = new TreeMap<>();
    node.properties().forEach(e -> out.put(e.getKey(), e.getValue().asString()));
    return out;
  }
}
