package dev.warren.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.warren.config.Config;
import dev.warren.config.ConfigException;
import dev.warren.testing.TestWarren;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;

/**
 * Every process of every sandbox image runs under the restricted profile: no new privileges, a
 * seccomp filter, Docker's capabilities without NET_RAW and MKNOD, none inheritable or ambient,
 * and root only inside its own user namespace. An operator may re-allow a few refused system
 * calls, by name, and nothing else.
 */
class RestrictedProfileTest {
  static TestWarren warren;
  static SandboxProbe probe;

  @BeforeAll
  static void start() {
    TestWarren.ensureImage("browser");
    warren = TestWarren.start();
    probe = new SandboxProbe(warren);
  }

  @AfterAll
  static void stop() {
    if (warren != null) {
      warren.delete("/v1/browsers");
      warren.close();
    }
  }

  /** No new privileges, a seccomp filter, nothing inheritable or ambient, no capability beyond the set. */
  static void assertRestricted(Map<String, String> status, String what) {
    assertThat(status).as(what)
        .containsEntry("NoNewPrivs", "1")
        .containsEntry("Seccomp", "2")
        .containsEntry("CapInh", "0000000000000000")
        .containsEntry("CapAmb", "0000000000000000");
    assertThat(Long.parseLong(status.get("Seccomp_filters"))).as(what).isPositive();
    long allowed = Long.parseUnsignedLong(SandboxProbe.CAPS, 16);
    for (String set : List.of("CapBnd", "CapPrm", "CapEff")) {
      assertThat(Long.parseUnsignedLong(status.get(set), 16) & ~allowed).as("%s: %s holds no capability beyond the set", what, set).isZero();
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"base", "browser"})
  void everyImageRunsUnderTheRestrictedProfile(String image) {
    String id = warren.createSandbox("{\"image\": \"" + image + "\"}");
    for (String pid : List.of("self", "1")) {
      Map<String, String> status = probe.status(id, pid);
      assertRestricted(status, image + " pid " + pid);
      assertThat(status).as("root of the sandbox holds exactly the set").containsEntry("CapEff", SandboxProbe.CAPS)
          .containsEntry("CapPrm", SandboxProbe.CAPS).containsEntry("CapBnd", SandboxProbe.CAPS);
    }
    // root inside is an unprivileged uid outside
    String[] map = probe.exec(id, "cat /proc/self/uid_map").path("stdout").asString().strip().split("\\s+");
    assertThat(map[0]).isEqualTo("0");
    assertThat(Long.parseLong(map[1])).isGreaterThanOrEqualTo(1L << 30);
    // a session's shell and what it starts are restricted as well
    JsonNode session = warren.post("/v1/sandboxes/" + id + "/sessions", "{}").json();
    JsonNode cmd = warren.post("/v1/sandboxes/" + id + "/sessions/" + session.path("id").asString() + "/commands",
        "{\"command\": \"grep -E '^(NoNewPrivs|Seccomp|CapBnd):' /proc/self/status\"}").json();
    assertThat(cmd.path("stdout").asString()).contains("NoNewPrivs:\t1").contains("Seccomp:\t2").contains("CapBnd:\t" + SandboxProbe.CAPS);
    assertThat(warren.delete("/v1/sandboxes/" + id).status()).isEqualTo(204);
  }

  @Test
  void commandsRunWithoutTheAgentAreRestrictedToo() {
    String id = warren.createSandbox("{}");
    // the image's agent cannot run any more (as in an image without bash): commands go through crun exec
    probe.exec(id, "chmod a-x /bin/bash; nohup sh -c 'sleep 0.5; kill $(cat /var/lib/warren/agent/ready); "
        + "rm /var/lib/warren/agent/ready' >/dev/null 2>&1 &");
    org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).until(() -> !java.nio.file.Files.exists(
        warren.dataDir().resolve("sandboxes").resolve(id).resolve("rootfs/var/lib/warren/agent/ready")));
    warren.restart();
    Map<String, String> status = probe.status(id, "self");
    assertRestricted(status, "crun exec");
    assertThat(status).containsEntry("CapEff", SandboxProbe.CAPS).containsEntry("CapBnd", SandboxProbe.CAPS);
    assertThat(probe.run(id, "ls /var/lib/warren/agent/ready")).as("no agent answered").contains("No such file");
    assertThat(warren.delete("/v1/sandboxes/" + id).status()).isEqualTo(204);
  }

  @Test
  void chromiumRunsUnderTheRestrictedProfile() {
    var r = warren.post("/v1/browsers", "{}");
    assertThat(r.status()).as(r.toString()).isIn(200, 201);
    String sandbox = r.json().path("sandboxId").asString();
    String pids = probe.exec(sandbox, "pgrep chromium").path("stdout").asString().strip();
    assertThat(pids).as("Chromium runs").isNotEmpty();
    for (String pid : pids.split("\\s+")) {
      Map<String, String> status = probe.status(sandbox, pid);
      if (!status.isEmpty()) {
        // a helper process may end between pgrep and the read
        assertRestricted(status, "chromium pid " + pid);
      }
    }
    assertThat(warren.delete("/v1/browsers/" + r.json().path("id").asString()).status()).isEqualTo(204);
  }

  @Test
  void anOperatorCanReallowIoUringAndNothingElseWithIt() {
    String id = warren.createSandbox("{}");
    assertThat(probe.syscalls(id, List.of("io_uring_setup"))).containsEntry("io_uring_setup", "EPERM");
    try (TestWarren relaxed = TestWarren.start(Map.of("WARREN_SECCOMP_ALLOW", "io_uring"))) {
      SandboxProbe p = new SandboxProbe(relaxed);
      String other = relaxed.createSandbox("{}");
      assertThat(p.syscalls(other, List.of("io_uring_setup", "userfaultfd", "keyctl", "unshare_user")))
          .containsEntry("io_uring_setup", "ok").containsEntry("userfaultfd", "EPERM").containsEntry("keyctl", "EPERM")
          .containsEntry("unshare_user", "EPERM");
      assertRestricted(p.status(other, "self"), "with io_uring allowed");
    }
    // the first instance's sandboxes are unchanged
    assertThat(probe.syscalls(id, List.of("io_uring_setup"))).containsEntry("io_uring_setup", "EPERM");
    assertThat(warren.delete("/v1/sandboxes/" + id).status()).isEqualTo(204);
  }

  @Test
  void theAllowanceSettingIsCheckedAtStartUp() {
    assertThat(Config.from(Map.of("WARREN_SECCOMP_ALLOW", " io_uring , userfaultfd,keyctl ")).seccompAllow().names())
        .containsExactlyInAnyOrder("io_uring", "userfaultfd", "keyctl");
    assertThat(Config.from(Map.of()).seccompAllow().syscalls()).isEmpty();
    assertThat(Config.from(Map.of("WARREN_SECCOMP_ALLOW", "io_uring")).seccompAllow().syscalls())
        .containsExactlyInAnyOrder("io_uring_setup", "io_uring_enter", "io_uring_register");
    assertThatThrownBy(() -> Config.from(Map.of("WARREN_SECCOMP_ALLOW", "io_uring,frobnicate")))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("WARREN_SECCOMP_ALLOW: 'frobnicate' in 'io_uring,frobnicate' cannot be allowed; the names that can: io_uring, ")
        .hasMessageContaining("userfaultfd");
    for (String never : List.of("unshare", "setns", "mount", "clone3", "init_module", "kexec_load", "reboot")) {
      assertThatThrownBy(() -> Config.from(Map.of("WARREN_SECCOMP_ALLOW", never))).as(never)
          .isInstanceOf(ConfigException.class).hasMessageStartingWith("WARREN_SECCOMP_ALLOW: '" + never + "' in '" + never + "' cannot be allowed");
    }
  }
}
