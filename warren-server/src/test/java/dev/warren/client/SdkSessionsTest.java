package dev.warren.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.warren.testing.TestWarren;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Shell sessions through the SDK against a real controller: state, environment, ownership, errors. */
class SdkSessionsTest {
  static TestWarren server;
  static Warren warren;
  static Sandbox sbx;

  @RegisterExtension
  static final ServerLogOnFailure logs = new ServerLogOnFailure(() -> server);

  @BeforeAll
  static void startServer() {
    server = TestWarren.start();
    warren = server.sdk();
    sbx = warren.sandboxes().create();
  }

  @AfterAll
  static void stopServer() {
    try (var s = server; var w = warren; var box = sbx) {
      // closed in reverse order: sandbox, client, server
    }
  }

  @Test
  void shellStatePersistsAcrossRunsAndTheSpecSetsTheStart() {
    try (Session sh = sbx.sessions().create(SessionSpec.builder().env("A", "1").cwd("/usr").build())) {
      assertThat(sh.run("pwd; echo $A").stdout()).isEqualTo("/usr\n1\n");
      CommandResult setup = sh.run("cd /tmp && export X=1; Y=unexported; f() { echo fn $1; }");
      assertThat(setup.succeeded()).isTrue();

      CommandResult r = sh.run("pwd; echo \"$X $Y\"; f here; bash -c 'echo \"[$X][$Y]\"'");

      assertThat(r.stdout()).isEqualTo("/tmp\n1 unexported\nfn here\n[1][]\n");
      assertThat(r.info().seq()).isEqualTo(3);
      assertThat(sh.commands()).extracting(CommandInfo::seq).containsExactly(3L, 2L, 1L);
      SessionInfo info = sh.info();
      assertThat(info.state()).isEqualTo(SessionState.READY);
      assertThat(info.sandboxId()).isEqualTo(sbx.id());
      assertThat(info.env()).isEqualTo(Map.of("A", "1"));
      assertThat(info.pid()).isPresent();
      assertThat(sbx.sessions().list()).extracting(SessionInfo::id).contains(sh.id());
    }
  }

  @Test
  void setEnvCarriesAwkwardValuesExactlyAndUnsetEnvRemovesThem() {
    String awkward = "it's \"quoted\", $HOME and `ticks`,\nnew line, \\back\\slash, tab\tand ünïcødé ✓ 🦊";
    try (Session sh = sbx.sessions().create()) {
      sh.setEnv(Map.of("AWKWARD", awkward, "PLAIN", "p"));
      assertThat(sh.run("printf '%s|%s' \"$AWKWARD\" \"$PLAIN\"").stdout()).isEqualTo(awkward + "|p");
      assertThat(sh.run("bash -c 'printf %s \"$AWKWARD\"'").stdout()).as("exported to children").isEqualTo(awkward);

      sh.unsetEnv("AWKWARD");

      assertThat(sh.run("echo \"[${AWKWARD-unset}] $PLAIN\"").stdout()).isEqualTo("[unset] p\n");
    }
  }

  @Test
  void closingTheOwningHandleDeletesTheSessionAndOnlyThatHandle() {
    Session sh = sbx.sessions().create();
    String id = sh.id();
    Session other = sbx.sessions().get(id).orElseThrow();
    assertThat(other.deletesOnClose()).isFalse();
    other.close();
    assertThat(sbx.sessions().get(id)).as("closing a non-owning handle").isPresent();

    sh.close();
    sh.close();

    assertThat(sbx.sessions().get(id)).isEmpty();
    assertThatThrownBy(() -> sh.run("true")).isInstanceOf(IllegalStateException.class);
    NotFoundException gone = catchThrowableOfType(NotFoundException.class, () -> sbx.sessions().attach(id).info());
    assertThat(gone.detail()).hasValueSatisfying(d -> assertThat(d).startsWith("no session " + id));
  }

  @Test
  void badInputIsInvalidInputNamingTheField() {
    InvalidInputException e = catchThrowableOfType(InvalidInputException.class,
        () -> sbx.sessions().create(SessionSpec.builder().env("WARREN_X", "y").build()));

    assertThat(e.field()).contains("env.WARREN_X");
    assertThat(e.status()).isEqualTo(400);
  }

  @Test
  void afterTheSandboxRestartsItsSessionsHaveEndedAndAnswerConflict() {
    try (Sandbox other = warren.sandboxes().create(); Session sh = other.sessions().create()) {
      sh.run("cd /tmp");

      other.restart();

      ConflictException e = catchThrowableOfType(ConflictException.class, () -> sh.run("pwd"));
      assertThat(e.state()).contains("ended");
      assertThat(e.status()).isEqualTo(409);
      assertThat(e.getMessage()).contains("session " + sh.id() + " has ended");
      SessionInfo info = sh.info();
      assertThat(info.state()).isEqualTo(SessionState.ENDED);
      assertThat(info.stateReason()).hasValueSatisfying(reason -> assertThat(reason).contains("stopped"));
      assertThat(info.endedAt()).isPresent();
      try (Session fresh = other.sessions().create()) {
        assertThat(fresh.run("echo new").stdout()).isEqualTo("new\n");
      }
    }
  }
}
