package dev.warren.shell;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warren.testing.TestWarren;
import dev.warren.testing.TestWarren.Resp;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * What a session does at its edges: a queue past its limit, a control FIFO too full to take a
 * command, a session whose files the sandbox sabotaged while the controller was down.
 */
class SessionQueueTest {
  static final int QUEUE_MAX = 40;
  static TestWarren warren;
  static ShellFixture f;

  @BeforeAll
  static void start() {
    warren = TestWarren.start(Map.of("WARREN_SESSION_QUEUE_MAX", Integer.toString(QUEUE_MAX)));
    f = new ShellFixture(warren, warren.createSandbox("{}"));
  }

  @AfterAll
  static void stop() {
    if (warren != null) {
      warren.close();
    }
  }

  private static Resp submit(String session, String command) {
    return warren.post(f.base(session) + "/commands", TestWarren.json(Map.of("command", command, "async", true)));
  }

  @Test
  void aSubmitPastTheSessionsQueueLimitAnswers429SayingHowManyAreQueued() {
    String s = f.session();
    try {
      assertThat(submit(s, "sleep 600").status()).isEqualTo(202);
      for (int i = 1; i < QUEUE_MAX; i++) {
        Resp r = submit(s, "echo " + i);
        assertThat(r.status()).as("command %d: %s", i, r).isEqualTo(202);
      }
      Resp refused = submit(s, "echo one too many");
      assertThat(refused.status()).as(refused.toString()).isEqualTo(429);
      assertThat(refused.json().path("detail").asString()).contains(QUEUE_MAX + " commands queued or running")
          .contains("WARREN_SESSION_QUEUE_MAX").contains("wait for some to end");
      assertThat(refused.json().path("queued").asInt()).isEqualTo(QUEUE_MAX);
      assertThat(refused.json().path("limit").asInt()).isEqualTo(QUEUE_MAX);
    } finally {
      warren.delete(f.base(s));
    }
  }

  @Test
  void aCommandTheFullControlFifoCannotTakeEndsAsLostWithItsReason() {
    String s = f.session();
    try {
      assertThat(submit(s, "sleep 600").status()).isEqualTo(202);
      // the shell reads the next command only when the running one ends: ~22 of these fill the 64 KiB FIFO
      String big = ": " + "x".repeat(2900);
      Resp failed = null;
      int accepted = 0;
      for (int i = 0; i < QUEUE_MAX - 1 && failed == null; i++) {
        Resp r = submit(s, big);
        if (r.status() == 202) {
          accepted++;
        } else {
          failed = r;
        }
      }
      assertThat(failed).as("a submit into the full FIFO").isNotNull();
      assertThat(failed.status()).as(failed.toString()).isEqualTo(503);
      assertThat(failed.json().path("detail").asString()).contains("control FIFO is full");
      String id = failed.json().path("commandId").asString();
      JsonNode lost = warren.get(f.base(s) + "/commands/" + id).json();
      assertThat(lost.path("state").asString()).as(lost.toString()).isEqualTo("lost");
      assertThat(lost.path("reason").asString()).contains("not handed to the session's shell").contains("control FIFO is full");
      // nothing is left queued that the shell will never run: every queued command is in the FIFO
      long queued = 0;
      for (JsonNode c : warren.get(f.base(s) + "/commands").json().path("commands")) {
        queued += c.path("state").asString().equals("queued") ? 1 : 0;
      }
      assertThat(queued).as("commands queued behind the running one").isEqualTo(accepted);
    } finally {
      warren.delete(f.base(s));
    }
  }

  @Test
  void aSessionThatCannotBeRecoveredLeavesNoDescriptorOfItsFilesOpen() throws Exception {
    String s = f.session();
    // the sandbox replaces the session's control FIFO with a symlink (its shell keeps the FIFO it
    // opened): re-attaching after a restart fails at the FIFO, after the session's out/ directory was opened
    String dir = "/var/lib/warren/sessions/" + s;
    warren.exec(f.sandbox, "rm " + dir + "/ctl && ln -s /etc/hostname " + dir + "/ctl");
    warren.restart();
    JsonNode ended = warren.get(f.base(s)).json();
    assertThat(ended.path("state").asString()).as(ended.toString()).isEqualTo("ended");
    assertThat(ended.path("stateReason").asString()).contains("could not be recovered");
    try (Stream<Path> fds = Files.list(Path.of("/proc/" + warren.pid() + "/fd"))) {
      assertThat(fds.map(SessionQueueTest::target).filter(t -> t.contains(s)).toList())
          .as("descriptors of the controller on files of session %s", s).isEmpty();
    }
  }

  private static String target(Path fd) {
    try {
      return Files.readSymbolicLink(fd).toString();
    } catch (java.io.IOException e) {
      return "";
    }
  }
}
