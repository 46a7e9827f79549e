package dev.warren.runtime.crun;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warren.config.SeccompAllow;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/** The seccomp section Warren writes: what it allows, how it refuses, and what the operator setting moves. */
class SeccompTest {
  private static final JsonMapper JSON = JsonMapper.builder().build();

  private static JsonNode filter(Set<String> reallowed) {
    ObjectNode node = JSON.createObjectNode();
    Seccomp.write(node, reallowed);
    return node;
  }

  private static Set<String> names(JsonNode filter, String action, int errno) {
    Set<String> out = new TreeSet<>();
    for (JsonNode rule : filter.path("syscalls")) {
      boolean match = rule.path("action").asString().equals(action) && rule.path("args").isMissingNode()
          && (errno < 0 || rule.path("errnoRet").asInt() == errno);
      if (match) {
        rule.path("names").forEach(n -> out.add(n.asString()));
      }
    }
    return out;
  }

  @Test
  void unknownCallsSayNotImplementedAndRefusedOnesSayNotPermitted() {
    JsonNode f = filter(Set.of());
    assertThat(f.path("defaultAction").asString()).isEqualTo("SCMP_ACT_ERRNO");
    assertThat(f.path("defaultErrnoRet").asInt()).isEqualTo(Seccomp.ENOSYS);
    assertThat(names(f, "SCMP_ACT_ERRNO", Seccomp.EPERM)).contains("unshare", "setns", "mount", "keyctl", "bpf", "perf_event_open",
        "userfaultfd", "io_uring_setup", "kexec_load", "init_module", "open_by_handle_at", "name_to_handle_at", "reboot", "acct");
    assertThat(names(f, "SCMP_ACT_ERRNO", Seccomp.ENOSYS)).containsExactly("clone3");
    Set<String> allowed = names(f, "SCMP_ACT_ALLOW", -1);
    assertThat(allowed).contains("read", "execve", "fork", "ptrace", "chroot", "setresuid").doesNotContain("clone", "socket", "personality");
    assertThat(allowed).doesNotContainAnyElementsOf(Seccomp.REFUSED);
    if (System.getProperty("os.arch").equals("amd64")) {
      assertThat(f.path("architectures").toString()).isEqualTo("[\"SCMP_ARCH_X86_64\",\"SCMP_ARCH_X86\",\"SCMP_ARCH_X32\"]");
      assertThat(allowed).contains("arch_prctl", "modify_ldt");
    }
  }

  @Test
  void cloneIsAllowedOnlyWithoutNamespaceFlags() {
    List<String> cloneRules = new ArrayList<>();
    for (JsonNode rule : filter(Set.of()).path("syscalls")) {
      if (rule.path("names").get(0).asString().equals("clone")) {
        JsonNode arg = rule.path("args").get(0);
        cloneRules.add(rule.path("action").asString() + " " + rule.path("errnoRet").asInt(0) + " " + arg.path("op").asString()
            + " " + Long.toHexString(arg.path("value").asLong()) + " " + Long.toHexString(arg.path("valueTwo").asLong()));
      }
    }
    assertThat(cloneRules).contains("SCMP_ACT_ALLOW 0 SCMP_CMP_MASKED_EQ 7e020000 0", "SCMP_ACT_ERRNO 1 SCMP_CMP_MASKED_EQ 10000000 10000000")
        .hasSize(1 + Seccomp.NAMESPACE_FLAGS.length);
  }

  @Test
  void everyNameTheOperatorMayAllowIsRefusedUntilAllowed() {
    for (String name : SeccompAllow.NAMES.keySet()) {
      Set<String> calls = new SeccompAllow(Set.of(name)).syscalls();
      assertThat(Seccomp.REFUSED).as(name).containsAll(calls);
      JsonNode f = filter(calls);
      assertThat(names(f, "SCMP_ACT_ALLOW", -1)).as(name).containsAll(calls);
      assertThat(names(f, "SCMP_ACT_ERRNO", Seccomp.EPERM)).as(name).doesNotContainAnyElementsOf(calls).contains("unshare");
    }
  }

  @Test
  void theFilterIsCompiledAheadWithTheHostsLibseccomp() {
    Seccomp.Filter strict = Seccomp.filter(Set.of());
    assertThat(strict.compiled().orTimeout(30, java.util.concurrent.TimeUnit.SECONDS).join())
        .as("libseccomp.so.2 is on this host (crun needs it)").isPresent();
    byte[] bpf = java.util.Base64.getDecoder().decode(strict.bpf().orElseThrow());
    assertThat(bpf.length % 8).as("whole BPF instructions").isZero();
    assertThat(bpf.length / 8).isGreaterThan(400);
    assertThat(strict.section()).isEqualTo(filter(Set.of()));
    Seccomp.Filter relaxed = Seccomp.filter(new SeccompAllow(Set.of("io_uring")).syscalls());
    assertThat(relaxed.compiled().orTimeout(30, java.util.concurrent.TimeUnit.SECONDS).join().orElseThrow())
        .isNotEqualTo(strict.bpf().orElseThrow());
  }
}
