package dev.warren.shell;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warren.testing.TestWarren;
import dev.warren.testing.WarrenFixture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import tools.jackson.databind.JsonNode;

/** A host call that fails deep inside a command's call is a fault the answer names, not an unexplained 500. */
class HostFaultTest {
  @RegisterExtension
  static final WarrenFixture warren = WarrenFixture.plain();

  @Test
  void aCommandOutputTheSandboxTurnedIntoASymlinkIsA503NamingTheFailedCall() {
    ShellFixture f = new ShellFixture(warren.server(), warren.server().createSandbox("{}"));
    String s = f.session();
    JsonNode first = f.run(s, "echo hello");
    assertThat(first.path("stdout").asString()).isEqualTo("hello\n");
    // the sandbox's root owns its session files: it can swap the first command's stdout for a symlink to anywhere
    assertThat(f.out(s, "cd " + LiveSession.ROOT + "/" + s + "/out && test -f 1.out && rm 1.out && ln -s /etc/hostname 1.out && echo swapped"))
        .isEqualTo("swapped\n");
    TestWarren.Resp r = warren.server().get(f.base(s) + "/commands/" + first.path("id").asString() + "/logs?stream=stdout");
    assertThat(r.status()).as(r.toString()).isEqualTo(503);
    assertThat(r.raw().headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("application/problem+json"));
    assertThat(r.json().path("type").asString()).isEqualTo("https://warren.dev/problems/runtime-unavailable");
    assertThat(r.json().path("detail").asString()).contains("openat(1.out) failed").contains("errno 40");
    // the refusal is the sandbox's own file, not the controller: the session still answers
    assertThat(f.out(s, "echo still here")).isEqualTo("still here\n");
  }
}
