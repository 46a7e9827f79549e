package dev.warren.security;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warren.testing.TestWarren;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * From inside a sandbox, an attacker tries the ways out of a container: new namespaces, mounts,
 * kernel interfaces (keyrings, BPF, perf, userfaultfd, io_uring, modules), raw sockets, device
 * nodes, the host's cgroup tree, writable /proc and /sys. Each is refused, and the sandbox, its
 * neighbour and the controller carry on.
 */
class ContainerHardeningTest {
  static TestWarren warren;
  static SandboxProbe probe;
  static String id;
  static String neighbour;

  @BeforeAll
  static void start() {
    warren = TestWarren.start();
    probe = new SandboxProbe(warren);
    id = warren.createSandbox("{}");
    neighbour = warren.createSandbox("{}");
  }

  @AfterAll
  static void stop() {
    if (warren != null) {
      warren.close();
    }
  }

  @AfterEach
  void nothingElseWasHarmed() {
    probe.nothingElseWasHarmed(id, neighbour);
  }

  @Test
  void namespacesCanNeitherBeMadeNorJoined() {
    List<String> refused = List.of("unshare_user", "unshare_mount", "unshare_net", "unshare_pid", "unshare_cgroup",
        "clone_newuser", "clone_newns", "clone_newnet", "clone_newpid", "clone_newuts", "clone_newipc",
        "setns_net", "setns_mnt", "setns_user");
    List<String> probes = new java.util.ArrayList<>(refused);
    probes.addAll(List.of("clone3", "clone_plain"));
    Map<String, String> r = probe.syscalls(id, probes);
    refused.forEach(p -> assertThat(r.get(p)).as(p).isEqualTo("EPERM"));
    // clone3 cannot be filtered by its flags: it says "not implemented" and libc falls back to clone
    assertThat(r.get("clone3")).isEqualTo("ENOSYS");
    assertThat(r.get("clone_plain")).isEqualTo("ok");
    for (String flags : List.of("-U", "-Ur", "-Um", "-Un", "-Urm", "-Up --fork", "-UrC")) {
      assertThat(probe.run(id, "unshare " + flags + " true")).as("unshare %s", flags)
          .contains("Operation not permitted").doesNotEndWith("exit=0");
    }
    assertThat(probe.run(id, "python3 -c 'import ctypes, os; libc = ctypes.CDLL(None, use_errno=True); "
        + "print(libc.unshare(0x10000000), os.strerror(ctypes.get_errno()))'")).isEqualTo("-1 Operation not permitted\nexit=0");
    assertThat(probe.run(id, "nsenter --target 1 --mount --net true")).doesNotEndWith("exit=0");
    // threads and processes (clone without namespace flags) still work
    assertThat(probe.run(id, "python3 -c 'import threading, subprocess; t = threading.Thread(target=print, args=(\"thread\",)); "
        + "t.start(); t.join(); print(subprocess.run([\"echo\", \"child\"], capture_output=True, text=True).stdout.strip())'"))
        .isEqualTo("thread\nchild\nexit=0");
  }

  @Test
  void newFilesystemsCannotBeMountedNorTheCgroupTreeReached() {
    Map<String, String> r = probe.syscalls(id, List.of("mount_tmpfs", "mount_proc", "umount2", "pivot_root", "fsopen", "open_tree"));
    r.forEach((p, result) -> assertThat(result).as(p).isEqualTo("EPERM"));
    assertThat(probe.run(id, "mount -t tmpfs none /mnt")).doesNotEndWith("exit=0");
    assertThat(probe.run(id, "mount -t proc proc /mnt")).doesNotEndWith("exit=0");
    // CVE-2022-0492: a cgroup v1 hierarchy mounted in a fresh user namespace, then its release_agent
    assertThat(probe.run(id, "mkdir -p /tmp/cg && unshare -UrmC sh -c 'mount -t cgroup -o rdma cgroup /tmp/cg && ls /tmp/cg'"))
        .doesNotContain("release_agent").doesNotEndWith("exit=0");
    assertThat(probe.run(id, "mount -t cgroup -o rdma cgroup /tmp/cg")).doesNotEndWith("exit=0");
    // the host's cgroup tree: neither listed nor writable, and the sandbox's own path is "/"
    assertThat(probe.run(id, "find /sys/fs/cgroup -mindepth 1 | wc -l")).isEqualTo("0\nexit=0");
    assertThat(probe.run(id, "echo max > /sys/fs/cgroup/pids/pids.max")).doesNotEndWith("exit=0");
    String cgroups = probe.run(id, "cat /proc/self/cgroup /proc/1/cgroup");
    assertThat(cgroups).doesNotContain("warren").doesNotContain(id).endsWith("exit=0");
    for (String line : cgroups.lines().filter(l -> l.contains(":")).toList()) {
      assertThat(line).as("cgroup line %s", line).endsWith(":/");
    }
    assertThat(probe.run(id, "grep -c cgroup /proc/self/mountinfo; grep cgroup /proc/self/mountinfo | grep -v tmpfs; true"))
        .doesNotContain("warren/");
    // /proc/1/root is the sandbox's own root
    assertThat(probe.run(id, "readlink /proc/1/root; ls /proc/1/root/.warren")).startsWith("/\n").endsWith("exit=0");
  }

  @Test
  void kernelInterfacesAreRefused() {
    List<String> refused = List.of("keyctl", "add_key", "request_key", "bpf", "perf_event_open", "userfaultfd",
        "io_uring_setup", "io_uring_enter", "io_uring_register", "kexec_load", "kexec_file_load", "init_module",
        "finit_module", "delete_module", "open_by_handle_at", "name_to_handle_at", "lookup_dcookie", "acct", "swapon",
        "swapoff", "reboot", "syslog", "settimeofday", "clock_settime", "quotactl", "sethostname", "kcmp", "pidfd_getfd",
        "process_madvise", "set_mempolicy", "mbind", "iopl", "ioperm", "vhangup", "fanotify_init");
    List<String> probes = new java.util.ArrayList<>(refused);
    probes.addAll(List.of("personality_bsd", "personality_query", "getpid"));
    Map<String, String> r = probe.syscalls(id, probes);
    refused.forEach(p -> assertThat(r.get(p)).as(p).isEqualTo("EPERM"));
    assertThat(r.get("personality_bsd")).as("an exotic personality").isNotEqualTo("ok");
    assertThat(r.get("personality_query")).isEqualTo("ok");
    assertThat(r.get("getpid")).isEqualTo("ok");
  }

  @Test
  void rawSocketsAreRefused() {
    Map<String, String> r = probe.syscalls(id, List.of("socket_packet", "socket_raw_icmp", "socket_alg", "socket_vsock", "socket_tcp"));
    assertThat(r).containsEntry("socket_packet", "EPERM").containsEntry("socket_raw_icmp", "EPERM")
        .containsEntry("socket_alg", "EPERM").containsEntry("socket_vsock", "EPERM").containsEntry("socket_tcp", "ok");
    // no raw frames: no ARP spoofing, no forged source addresses
    assertThat(probe.run(id, "python3 -c 'import socket; socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0806))'"))
        .contains("PermissionError").doesNotEndWith("exit=0");
    assertThat(probe.run(id, "python3 -c 'import socket; socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)'"))
        .contains("PermissionError").doesNotEndWith("exit=0");
  }

  @Test
  void deviceNodesCanNeitherBeMadeNorUsed() throws Exception {
    Map<String, String> r = probe.syscalls(id, List.of("mknod_char", "mknod_block"));
    assertThat(r).containsEntry("mknod_char", "EPERM").containsEntry("mknod_block", "EPERM");
    // a device node that reached the root filesystem anyway (an imported image can carry one): a
    // loop device holding a secret, and the tun device, owned by the sandbox's root
    Path disk = Files.createTempFile(Path.of("/tmp"), "warren-hardening-", ".img");
    String loop = null;
    Path rootfs = warren.dataDir().resolve("sandboxes").resolve(id).resolve("rootfs");
    try {
      byte[] content = new byte[1 << 20];
      byte[] secret = "host-disk-secret".getBytes(StandardCharsets.UTF_8);
      System.arraycopy(secret, 0, content, 0, secret.length);
      Files.write(disk, content);
      loop = host("losetup", "--find", "--show", disk.toString()).strip();
      String minor = loop.substring("/dev/loop".length());
      String rootUid = probe.exec(id, "cat /proc/self/uid_map").path("stdout").asString().strip().split("\\s+")[1];
      host("mknod", "-m", "666", rootfs.resolve("tmp/disk").toString(), "b", "7", minor);
      host("mknod", "-m", "666", rootfs.resolve("tmp/tun").toString(), "c", "10", "200");
      host("chown", rootUid + ":" + rootUid, rootfs.resolve("tmp/disk").toString(), rootfs.resolve("tmp/tun").toString());
      assertThat(probe.run(id, "ls -l /tmp/disk /tmp/tun")).contains("brw-rw-rw-").contains("crw-rw-rw-").endsWith("exit=0");
      assertThat(probe.run(id, "head -c 16 /tmp/disk")).doesNotContain("host-disk-secret").contains("Operation not permitted");
      assertThat(probe.run(id, "echo x > /tmp/disk")).contains("Operation not permitted");
      assertThat(probe.run(id, "exec 3<>/tmp/tun")).contains("Operation not permitted");
      // the usual character devices work
      assertThat(probe.run(id, "head -c 4 /dev/zero | od -An -tx1; head -c 4 /dev/urandom | wc -c; echo x > /dev/null; "
          + "head -c 1 /dev/random | wc -c; bash -c 'echo x > /dev/full' 2>&1 | grep -c 'No space'; test -c /dev/ptmx && test -c /dev/tty"))
          .isEqualTo(" 00 00 00 00\n4\n1\n1\nexit=0");
    } finally {
      Files.deleteIfExists(rootfs.resolve("tmp/disk"));
      Files.deleteIfExists(rootfs.resolve("tmp/tun"));
      if (loop != null) {
        host("losetup", "-d", loop);
      }
      Files.deleteIfExists(disk);
    }
  }

  @Test
  void procAndSysAreMaskedOrReadOnly() {
    // masked: empty, whatever the host has there
    for (String path : List.of("/proc/kcore", "/proc/keys", "/proc/timer_list", "/proc/sched_debug", "/proc/interrupts",
        "/proc/latency_stats", "/proc/acpi", "/proc/scsi", "/sys/firmware", "/sys/devices/virtual/powercap")) {
      assertThat(probe.run(id, "if [ -d " + path + " ]; then ls -A " + path + "; elif [ -e " + path + " ]; then head -c 64 " + path
          + "; fi; true")).as(path).isEqualTo("exit=0");
    }
    // read-only: writing the value that is already there fails, and changes nothing if it did not
    for (String path : List.of("/proc/sys/vm/swappiness", "/proc/sys/kernel/domainname", "/sys/kernel/mm/transparent_hugepage/enabled")) {
      assertThat(probe.run(id, "v=$(cat " + path + "); echo \"$v\" > " + path)).as(path).contains("Read-only file system");
    }
    String mounts = probe.run(id, "cat /proc/self/mountinfo");
    String present = probe.run(id, "for p in /proc/sys /proc/sysrq-trigger /proc/bus /proc/fs /proc/irq /sys; do [ -e $p ] && echo $p; done; true");
    assertThat(present).startsWith("/proc/sys\n").contains("/sys\n");
    for (String path : present.lines().filter(l -> l.startsWith("/")).toList()) {
      assertThat(mounts.lines().filter(l -> l.split(" ").length > 5 && l.split(" ")[4].equals(path)).toList())
          .as("%s is mounted read-only", path).isNotEmpty().allMatch(l -> l.split(" ")[5].matches("(^|.*,)ro(,.*|$)"));
    }
  }

  private static String host(String... argv) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as("%s: %s", String.join(" ", argv), out).isZero();
    return out;
  }
}
