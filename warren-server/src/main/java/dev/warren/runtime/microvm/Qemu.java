package dev.warren.runtime.microvm;

import dev.warren.host.Tool;
import dev.warren.host.ToolException;
import dev.warren.runtime.Limits;
import dev.warren.runtime.SandboxRuntimeException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * QEMU, the process of one VM: its command line (built as a list), its launch (daemonized, so it
 * outlives the controller and is nobody's child), whether it still runs, and its end. Stateless;
 * everything it knows of a VM is in its {@link VmDir}.
 */
final class Qemu {
  static final String BINARY = "qemu-system-x86_64";
  private static final Duration LAUNCH_TIMEOUT = Duration.ofSeconds(60);

  private Qemu() {}

  /**
   * The command line of a VM: microvm machine, virtio-mmio devices only, direct kernel boot, no
   * network device, no display, no defaults or user config, seccomp on. {@code -sandbox} keeps
   * {@code spawn} and {@code elevateprivileges} allowed: {@code -daemonize} forks and calls setsid
   * after the filter is installed (QEMU 7.2 dies of SIGSYS otherwise).
   */
  static List<String> argv(VmDir vm, Artifacts artifacts, Accel accel, Limits limits, Path overlay) {
    int cpus = Math.max(1, Math.min((int) Math.ceil(limits.cpus()), Runtime.getRuntime().availableProcessors()));
    List<String> a = new ArrayList<>(List.of(BINARY,
        "-name", "warren-" + vm.id() + ",process=warren-" + vm.id(),
        "-M", "microvm,x-option-roms=off,rtc=on,pit=on,pic=on",
        "-accel", accel.qemuName(),
        "-cpu", accel == Accel.KVM ? "host" : "max",
        "-m", Math.max(128, limits.memoryMb()) + "M",
        "-smp", Integer.toString(cpus),
        "-nodefaults", "-no-user-config", "-display", "none", "-no-reboot",
        "-sandbox", "on,obsolete=deny,resourcecontrol=deny",
        "-kernel", artifacts.kernel().toString(),
        "-initrd", artifacts.initrd().toString(),
        "-append", kernelCommandLine(accel),
        "-drive", "id=root,file=" + overlay + ",format=qcow2,if=none,discard=unmap",
        "-device", "virtio-blk-device,drive=root,serial=warren-root",
        "-drive", "id=config,file=" + vm.configDisk() + ",format=raw,if=none,readonly=on",
        "-device", "virtio-blk-device,drive=config,serial=warren-config",
        "-device", "virtio-serial-device",
        "-chardev", "socket,id=guest,path=" + vm.guestSocket() + ",server=on,wait=off",
        "-device", "virtserialport,chardev=guest,name=warren.guest",
        "-chardev", "file,id=console,path=" + vm.console(),
        "-serial", "chardev:console",
        "-qmp", "unix:" + vm.qmpSocket() + ",server=on,wait=off",
        "-pidfile", vm.pidFile().toString(),
        "-daemonize"));
    return a;
  }

  /**
   * The guest kernel's command line: nothing per sandbox (that is on the config disk). Under TCG
   * the microvm machine offers no clock to calibrate against, so the TSC frequency and the delay
   * loop are given.
   */
  static String kernelCommandLine(Accel accel) {
    String base = "console=ttyS0 quiet panic=-1 reboot=t";
    return accel == Accel.TCG ? base + " tsc_early_khz=2000000 lpj=4000000" : base;
  }

  /** Starts QEMU; returns once it has daemonized (its sockets exist), with its pid. */
  static long launch(VmDir vm, List<String> argv) {
    try {
      Tool.check(argv, LAUNCH_TIMEOUT);
    } catch (ToolException e) {
      throw new SandboxRuntimeException("QEMU did not start the VM of sandbox " + vm.id() + ": " + e.getMessage(), e);
    }
    return vm.pid().orElseThrow(() -> new SandboxRuntimeException("QEMU started the VM of sandbox " + vm.id()
        + " but wrote no pid to " + vm.pidFile()));
  }

  /**
   * Whether {@code pid} is this VM's QEMU and runs: its command line names the VM's pid file (a
   * reused pid is some other process), and it is not a zombie.
   */
  static boolean runs(VmDir vm, long pid) {
    Path proc = Path.of("/proc", Long.toString(pid));
    try {
      String cmdline = new String(Files.readAllBytes(proc.resolve("cmdline")), StandardCharsets.UTF_8);
      if (!cmdline.contains(vm.pidFile().toString())) {
        return false;
      }
      String stat = Files.readString(proc.resolve("stat"), StandardCharsets.US_ASCII);
      char state = stat.charAt(stat.lastIndexOf(')') + 2);
      return state != 'Z' && state != 'X';
    } catch (IOException | StringIndexOutOfBoundsException e) {
      return false;
    }
  }

  /** The running QEMU of {@code vm}, if any. */
  static Optional<Long> running(VmDir vm) {
    return vm.pid().filter(pid -> runs(vm, pid));
  }

  /**
   * Ends the VM: {@code quit} over QMP, then SIGKILL if it is still there after {@code grace}.
   * Returns when the process is gone (or a zombie of whoever reaps it).
   */
  static void end(VmDir vm, long pid, Duration grace) {
    try (Qmp qmp = Qmp.connect(vm.qmpSocket(), Duration.ofSeconds(5))) {
      qmp.execute("quit");
    } catch (IOException e) {
      // QEMU that does not answer is killed below
    }
    if (waitGone(vm, pid, grace)) {
      return;
    }
    ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
    if (!waitGone(vm, pid, Duration.ofSeconds(10))) {
      throw new SandboxRuntimeException("the QEMU of sandbox " + vm.id() + " (pid " + pid + ") is still running after SIGKILL");
    }
  }

  private static boolean waitGone(VmDir vm, long pid, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (runs(vm, pid)) {
      if (System.nanoTime() > deadline) {
        return false;
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new SandboxRuntimeException("interrupted while ending the VM of sandbox " + vm.id(), e);
      }
    }
    return true;
  }
}
