package dev.warren.runtime.microvm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warren.testing.HostUser;
import dev.warren.testing.TestWarren;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * The microvm runtime end to end, with real QEMU (TCG here) and a real guest kernel, through the
 * API of a controller started with WARREN_RUNTIME=microvm. One VM serves the assertions that only
 * read it (boots under TCG take seconds); a controller kill, a VM killed while the controller is
 * down, start, stop, start and delete follow in order: three boots in all.
 */
class MicrovmSandboxTest {
  private static final String HOST_KERNEL = TestWarren.run("uname", "-r").strip();

  @Test
  void aVmBootsRunsCommandsSurvivesAControllerKillAndLeavesNothing() throws Exception {
    try (TestWarren warren = TestWarren.start(Map.of("WARREN_RUNTIME", "microvm"))) {
      String id = warren.createSandbox("""
          {"env": {"GREETING": "hello vm"}, "limits": {"memoryMb": 384, "cpus": 1}}""");
      Path vm = warren.dataDir().resolve("microvm").resolve(id);
      long qemu = pid(vm);
      assertThat(ProcessHandle.of(qemu)).isPresent();

      // the guest's own kernel, and this boot's configuration (env, hostname) from the config disk
      JsonNode r = warren.exec(id, "echo hi; uname -r; hostname; echo \"$GREETING\"; echo $WARREN_SANDBOX_ID $WARREN_GENERATION; cat /proc/1/cmdline | tr '\\0' ' '");
      assertThat(r.path("exitCode").asInt()).isZero();
      List<String> lines = r.path("stdout").asString().lines().toList();
      assertThat(lines.get(0)).isEqualTo("hi");
      assertThat(lines.get(1)).isNotEqualTo(HOST_KERNEL).startsWith("6.1.0-");
      assertThat(lines.get(2)).isEqualTo(id);
      assertThat(lines.get(3)).isEqualTo("hello vm");
      assertThat(lines.get(4)).isEqualTo(id + " 1");
      assertThat(lines.get(5)).contains("/.warren/init.sh");
      // exit codes, stderr, stdin and a timeout come back as for containers
      JsonNode failed = warren.post("/v1/sandboxes/" + id + "/exec", "{\"command\": \"echo oops >&2; exit 3\"}").json();
      assertThat(failed.path("exitCode").asInt()).isEqualTo(3);
      assertThat(failed.path("stderr").asString()).isEqualTo("oops\n");
      JsonNode fed = warren.post("/v1/sandboxes/" + id + "/exec", "{\"command\": \"tr a-z A-Z\", \"stdin\": \"fed in\"}").json();
      assertThat(fed.path("stdout").asString()).isEqualTo("FED IN");
      JsonNode slow = warren.post("/v1/sandboxes/" + id + "/exec", "{\"command\": \"sleep 30\", \"timeoutSeconds\": 2}").json();
      assertThat(slow.path("timedOut").asBoolean()).as("%s", slow).isTrue();

      // the doors: the VM's directory is root's alone, so no other host user opens its sockets
      assertThat(Files.getOwner(vm).getName()).isEqualTo("root");
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(vm))).isEqualTo("rwx------");
      for (Path socket : List.of(vm.resolve("qmp.sock"), vm.resolve("guest.sock"))) {
        assertThat(socket).exists();
        HostUser.Result nobody = HostUser.run(List.of("python3", "-c",
            "import socket,sys; s=socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); print('connected')", socket.toString()),
            Duration.ofSeconds(20));
        assertThat(nobody.exitCode()).as("nobody connecting to %s: %s", socket, nobody).isNotZero();
        assertThat(nobody.stdout()).doesNotContain("connected");
        assertThat(nobody.stderr()).contains("Permission denied");
      }

      // kill -9 of the controller: the VM runs on, the next controller adopts it and reaches its agent
      // synced: the VM is killed below like a power cut, which loses what its page cache had not written
      warren.exec(id, "echo kept > /workspace/state && sync");
      warren.kill9AndRestart();
      assertThat(pid(vm)).isEqualTo(qemu);
      assertThat(warren.get("/v1/sandboxes/" + id).json().path("state").asString()).isEqualTo("running");
      assertThat(warren.exec(id, "cat /workspace/state").path("stdout").asString()).isEqualTo("kept\n");

      // the VM vanishes while the controller is down: the next one says so, and a start boots it again with its files
      warren.stopProcess(false);
      ProcessHandle.of(qemu).ifPresent(ProcessHandle::destroyForcibly);
      awaitGone(qemu);
      warren.relaunch();
      JsonNode failedVm = warren.get("/v1/sandboxes/" + id).json();
      assertThat(failedVm.path("state").asString()).isEqualTo("failed");
      assertThat(failedVm.path("stateReason").asString()).contains("controller started");
      JsonNode started = warren.post("/v1/sandboxes/" + id + "/start", null).json();
      assertThat(started.path("state").asString()).isEqualTo("running");
      assertThat(started.path("generation").asLong()).isEqualTo(2);
      long second = pid(vm);
      assertThat(second).isNotEqualTo(qemu);
      assertThat(warren.exec(id, "cat /workspace/state; echo $WARREN_GENERATION").path("stdout").asString()).isEqualTo("kept\n2\n");

      // stop syncs the guest's disk, ends QEMU (quit over QMP) and its sockets; the disk stays
      warren.exec(id, "echo written-just-before-stop > /workspace/late");
      assertThat(warren.post("/v1/sandboxes/" + id + "/stop", null).status()).isEqualTo(200);
      assertThat(gone(second)).isTrue();
      assertThat(vm.resolve("qmp.sock")).doesNotExist();
      assertThat(vm.resolve("guest.sock")).doesNotExist();
      assertThat(vm.resolve("qemu.pid")).doesNotExist();
      assertThat(vm.resolve("disk.qcow2")).exists();

      assertThat(warren.post("/v1/sandboxes/" + id + "/start", null).status()).isEqualTo(200);
      assertThat(warren.exec(id, "cat /workspace/late").path("stdout").asString()).isEqualTo("written-just-before-stop\n");
      long third = pid(vm);

      // delete of a running VM: no QEMU, no overlay, no socket, no directory
      assertThat(warren.delete("/v1/sandboxes/" + id).status()).isEqualTo(204);
      assertThat(gone(third)).isTrue();
      assertThat(vm).doesNotExist();
    }
  }

  @Test
  void aContainerControllerRunsAVmBesideAContainerEachOnItsOwnRuntime() throws Exception {
    try (TestWarren warren = TestWarren.start(Map.of("WARREN_RUNTIME", "crun"))) {
      // a runtime this build does not know: 400 naming the field and the known ones
      TestWarren.Resp bad = warren.post("/v1/sandboxes", "{\"runtime\": \"firecracker\"}");
      assertThat(bad.status()).as("%s", bad).isEqualTo(400);
      assertThat(bad.json().path("field").asString()).as("%s", bad).isEqualTo("runtime");
      assertThat(bad.text()).contains("crun").contains("microvm").contains("firecracker");

      String vmId = warren.createSandbox("""
          {"runtime": "microvm", "limits": {"memoryMb": 384, "cpus": 1}}""");
      String ctrId = warren.createSandbox("{}");
      // /readyz lists both runtimes, crun the default, microvm (checked in the background at start-up) with its accelerator
      JsonNode ready = warren.get("/readyz").json();
      assertThat(ready.path("runtimes").path("crun").path("available").asBoolean()).as("%s", ready).isTrue();
      assertThat(ready.path("runtimes").path("crun").path("default").asBoolean()).isTrue();
      assertThat(ready.path("runtimes").path("microvm").path("available").asBoolean()).as("%s", ready).isTrue();
      assertThat(ready.path("runtimes").path("microvm").path("default").asBoolean()).isFalse();
      assertThat(ready.path("runtimes").path("microvm").path("accel").asString()).isIn("tcg", "kvm");
      JsonNode vmBody = warren.get("/v1/sandboxes/" + vmId).json();
      JsonNode ctrBody = warren.get("/v1/sandboxes/" + ctrId).json();
      assertThat(vmBody.path("runtime").asString()).isEqualTo("microvm");
      assertThat(vmBody.path("accel").asString()).isIn("tcg", "kvm");
      assertThat(ctrBody.path("runtime").asString()).isEqualTo("crun");
      assertThat(ctrBody.path("accel").isNull()).as("%s", ctrBody).isTrue();
      Path vm = warren.dataDir().resolve("microvm").resolve(vmId);
      long qemu = pid(vm);
      // the Java SDK reads both
      try (dev.warren.client.Warren sdk = warren.sdk()) {
        dev.warren.client.SandboxInfo vmInfo = sdk.sandboxes().get(vmId).orElseThrow().info();
        assertThat(vmInfo.runtime()).contains("microvm");
        assertThat(vmInfo.accel()).isPresent();
        assertThat(sdk.sandboxes().get(ctrId).orElseThrow().info().runtime()).contains("crun");
        assertThat(sdk.sandboxes().get(ctrId).orElseThrow().info().accel()).isEmpty();
      }

      // each runs on its own kernel: the VM its guest's, the container the host's
      assertThat(warren.exec(vmId, "uname -r").path("stdout").asString().strip()).isNotEqualTo(HOST_KERNEL).startsWith("6.1.0-");
      assertThat(warren.exec(ctrId, "uname -r").path("stdout").asString().strip()).isEqualTo(HOST_KERNEL);

      // the file API in the VM: write (binary, parents made), read, list, delete, and the errors the container gives
      byte[] data = new byte[200_000];
      new java.util.Random(12).nextBytes(data);
      String files = "/v1/sandboxes/" + vmId + "/files";
      assertThat(warren.put(files + "?path=/workspace/d/e/blob.bin", data).status()).isEqualTo(204);
      TestWarren.Resp back = warren.get(files + "?path=/workspace/d/e/blob.bin");
      assertThat(back.status()).isEqualTo(200);
      assertThat(back.body()).isEqualTo(data);
      assertThat(warren.put(files + "?path=/workspace/d/run.sh&mode=0750", "echo ran\n".getBytes()).status()).isEqualTo(204);
      assertThat(warren.exec(vmId, "stat -c %a /workspace/d/run.sh; sh /workspace/d/run.sh; sha256sum < /workspace/d/e/blob.bin")
          .path("stdout").asString()).startsWith("750\nran\n" + sha256(data));
      JsonNode listed = warren.get(files + "/list?path=/workspace/d").json();
      assertThat(listed.path("entries").size()).as("%s", listed).isEqualTo(2);
      assertThat(listed.path("entries").get(0).path("name").asString()).isEqualTo("e");
      assertThat(listed.path("entries").get(0).path("type").asString()).isEqualTo("directory");
      assertThat(listed.path("entries").get(1).path("name").asString()).isEqualTo("run.sh");
      assertThat(listed.path("entries").get(1).path("type").asString()).isEqualTo("file");
      assertThat(listed.path("entries").get(1).path("size").asLong()).isEqualTo(9);
      assertThat(listed.path("entries").get(1).path("mode").asString()).isEqualTo("0750");
      assertThat(warren.post(files + "/mkdir?path=/workspace/made/deep", null).status()).isEqualTo(204);
      assertThat(warren.get(files + "/list?path=/workspace/made").json().path("entries").get(0).path("name").asString()).isEqualTo("deep");
      TestWarren.Resp missing = warren.get(files + "?path=/workspace/nothing-here");
      assertThat(missing.status()).as("%s", missing).isEqualTo(404);
      assertThat(warren.get(files + "/list?path=/workspace/nothing-here").status()).isEqualTo(404);
      assertThat(warren.get(files + "?path=/workspace/d").status()).isEqualTo(400);
      assertThat(warren.delete(files + "?path=/workspace/d/e").status()).isEqualTo(409);
      assertThat(warren.delete(files + "?path=/workspace/d/e/blob.bin").status()).isEqualTo(204);
      assertThat(warren.get(files + "?path=/workspace/d/e/blob.bin").status()).isEqualTo(404);
      assertThat(warren.delete(files + "?path=/workspace/d/e").status()).isEqualTo(204);
      assertThat(warren.delete(files + "?path=/workspace/d&recursive=true").status()).isEqualTo(204);
      assertThat(warren.get(files + "/list?path=/workspace/d").status()).isEqualTo(404);
      // and in the container, as before
      assertThat(warren.put("/v1/sandboxes/" + ctrId + "/files?path=/workspace/c.txt", "in a container".getBytes()).status()).isEqualTo(204);
      assertThat(warren.get("/v1/sandboxes/" + ctrId + "/files?path=/workspace/c.txt").text()).isEqualTo("in a container");

      // a shell session in the VM: cd, exports and functions persist from one command to the next
      TestWarren.Resp session = warren.post("/v1/sandboxes/" + vmId + "/sessions", "{}");
      assertThat(session.status()).as("%s", session).isEqualTo(201);
      String commands = "/v1/sandboxes/" + vmId + "/sessions/" + session.json().path("id").asString() + "/commands";
      JsonNode first = warren.post(commands, "{\"command\": \"cd /tmp && export X=vm && f() { echo fn-$X; }\", \"waitSeconds\": 60}").json();
      assertThat(first.path("state").asString()).as("%s", first).isEqualTo("finished");
      JsonNode ran = warren.post(commands, "{\"command\": \"pwd; f; echo err >&2; sh -c 'exit 4'\", \"waitSeconds\": 60}").json();
      assertThat(ran.path("state").asString()).as("%s", ran).isEqualTo("finished");
      assertThat(ran.path("stdout").asString()).as("%s", ran).isEqualTo("/tmp\nfn-vm\n");
      assertThat(ran.path("stderr").asString()).isEqualTo("err\n");
      assertThat(ran.path("exitCode").asInt()).isEqualTo(4);
      TestWarren.Resp logs = warren.get(commands + "/" + ran.path("id").asString() + "/logs?stream=stdout");
      assertThat(logs.text()).as("%s", logs).isEqualTo("/tmp\nfn-vm\n");

      // kill -9 of the controller: each is adopted by its own runtime
      warren.put(files + "?path=/workspace/kept.txt", "kept".getBytes());
      warren.kill9AndRestart();
      assertThat(pid(vm)).isEqualTo(qemu);
      assertThat(warren.get("/v1/sandboxes/" + vmId).json().path("state").asString()).isEqualTo("running");
      assertThat(warren.get("/v1/sandboxes/" + ctrId).json().path("state").asString()).isEqualTo("running");
      assertThat(warren.get(files + "?path=/workspace/kept.txt").text()).isEqualTo("kept");
      assertThat(warren.exec(vmId, "uname -r").path("stdout").asString().strip()).startsWith("6.1.0-");
      // the session's shell and its state live in the guest: the restarted controller finds them
      JsonNode third = warren.post(commands, "{\"command\": \"echo $X again; pwd\", \"waitSeconds\": 60}").json();
      assertThat(third.path("stdout").asString()).as("%s", third).isEqualTo("vm again\n/tmp\n");
      // deleting the session ends its shell and the FIFO holders in the guest, and removes its files
      String sessionPath = commands.substring(0, commands.length() - "/commands".length());
      assertThat(warren.delete(sessionPath).status()).isEqualTo(204);
      JsonNode left = warren.exec(vmId, "grep -lzE '^(WARREN_FIFO|WARREN_SESSION_ID)=' /proc/[0-9]*/environ; ls /var/lib/warren/sessions");
      assertThat(left.path("stdout").asString()).as("%s", left).isEmpty();
      assertThat(warren.exec(ctrId, "uname -r").path("stdout").asString().strip()).isEqualTo(HOST_KERNEL);

      // stop and start both: the VM's QEMU ends, its files stay; generations bumped on each runtime
      for (String id : List.of(vmId, ctrId)) {
        assertThat(warren.post("/v1/sandboxes/" + id + "/stop", null).json().path("state").asString()).isEqualTo("stopped");
      }
      assertThat(gone(qemu)).isTrue();
      assertThat(vm.resolve("qemu.pid")).doesNotExist();
      for (String id : List.of(vmId, ctrId)) {
        JsonNode started = warren.post("/v1/sandboxes/" + id + "/start", null).json();
        assertThat(started.path("state").asString()).as("%s", started).isEqualTo("running");
        assertThat(started.path("generation").asLong()).isEqualTo(2);
      }
      long second = pid(vm);
      assertThat(warren.get(files + "?path=/workspace/kept.txt").text()).isEqualTo("kept");
      assertThat(warren.exec(ctrId, "echo $WARREN_GENERATION").path("stdout").asString()).isEqualTo("2\n");

      // delete both: no QEMU, no VM directory, nothing of the container
      for (String id : List.of(vmId, ctrId)) {
        assertThat(warren.delete("/v1/sandboxes/" + id).status()).isEqualTo(204);
      }
      assertThat(gone(second)).isTrue();
      assertThat(vm).doesNotExist();
      assertThat(dev.warren.testing.HostState.leftoversOf(warren, ctrId)).isEmpty();
    }
  }

  @Test
  void aRuntimeWhoseKernelIsNotBuiltIsRefusedSayingHowToBuildIt() throws Exception {
    // an images directory with the base image but no microVM kernel
    Path images = Files.createTempDirectory(Path.of("/tmp"), "warren-images-");
    Files.createSymbolicLink(images.resolve("base"), TestWarren.IMAGES.resolve("base"));
    try (TestWarren warren = TestWarren.start(Map.of("WARREN_RUNTIME", "crun", "WARREN_IMAGES", images.toString()))) {
      TestWarren.Resp refused = warren.post("/v1/sandboxes", "{\"runtime\": \"microvm\"}");
      assertThat(refused.status()).as("%s", refused).isEqualTo(503);
      assertThat(refused.text()).contains("the runtime microvm is not available on this host").contains("./warren up");
      // the controller itself is ready: only its default runtime must work
      TestWarren.Resp ready = warren.get("/readyz");
      assertThat(ready.status()).as("%s", ready).isEqualTo(200);
      JsonNode microvm = ready.json().path("runtimes").path("microvm");
      assertThat(microvm.path("available").asBoolean()).as("%s", ready).isFalse();
      assertThat(microvm.path("problem").asString()).contains("./warren up");
      assertThat(warren.get("/v1/sandboxes").json().path("sandboxes").size()).isZero();
      // the containers go on as before
      String id = warren.createSandbox("{\"runtime\": \"crun\"}");
      assertThat(warren.exec(id, "echo ok").path("stdout").asString()).isEqualTo("ok\n");
    } finally {
      Files.deleteIfExists(images.resolve("base"));
      TestWarren.run("rm", "-rf", "--one-file-system", images.toString());
    }
  }

  private static String sha256(byte[] data) throws java.security.NoSuchAlgorithmException {
    return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(data));
  }

  private static long pid(Path vm) throws IOException {
    return Long.parseLong(Files.readString(vm.resolve("qemu.pid")).strip());
  }

  private static void awaitGone(long pid) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (!gone(pid) && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertThat(gone(pid)).as("pid %d gone", pid).isTrue();
  }

  /** Gone, or a zombie nobody reaps yet (QEMU daemonizes, so it is not the controller's child). */
  private static boolean gone(long pid) {
    Optional<ProcessHandle> p = ProcessHandle.of(pid);
    if (p.isEmpty() || !p.get().isAlive()) {
      return true;
    }
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
      return stat.charAt(stat.lastIndexOf(')') + 2) == 'Z';
    } catch (IOException e) {
      return true;
    }
  }
}
