package dev.warren.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.warren.testing.TestWarren;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Commands of shell sessions through the SDK against a real controller: output, stdin, signals, timeouts. */
class SdkSessionCommandsTest {
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
  void followStdoutStreamsWhileTheCommandRunsAndAnswersItsExitCode() {
    try (Session sh = sbx.sessions().create()) {
      long start = System.nanoTime();
      Command job = sh.start("for i in 1 2 3 4 5; do echo line $i; sleep 0.4; done; sh -c 'exit 3'");
      var out = new ByteArrayOutputStream();
      AtomicLong firstChunk = new AtomicLong();

      CommandResult r = job.followStdout(chunk -> {
        firstChunk.compareAndSet(0, System.nanoTime());
        out.writeBytes(chunk);
      });
      Duration total = Duration.ofNanos(System.nanoTime() - start);

      assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo("line 1\nline 2\nline 3\nline 4\nline 5\n");
      assertThat(Duration.ofNanos(firstChunk.get() - start)).as("first chunk").isLessThan(Duration.ofMillis(1000));
      assertThat(total).isGreaterThan(Duration.ofMillis(1900));
      assertThat(r.exitCode()).isEqualTo(3);
      assertThat(r.state()).isEqualTo(CommandState.FINISHED);
      assertThat(r.stdout()).isEqualTo(out.toString(StandardCharsets.UTF_8));
      assertThat(job.followStderr(chunk -> {}).exitCode()).as("following a finished command").isEqualTo(3);
    }
  }

  @Test
  void rawOutputIsExactBytesFromAnyOffset() {
    try (Session sh = sbx.sessions().create()) {
      CommandResult r = sh.run("head -c 100000 /dev/urandom > /tmp/blob; cat /tmp/blob; sha256sum /tmp/blob | cut -d' ' -f1 >&2");
      Command job = sh.command(r.id());

      byte[] bytes = job.stdout();

      assertThat(bytes).hasSize(100_000);
      assertThat(sha256(bytes) + "\n").isEqualTo(r.stderr());
      assertThat(r.info().stdoutBytes()).isEqualTo(100_000);
      assertThat(job.stdout(99_990)).containsExactly(Arrays.copyOfRange(bytes, 99_990, 100_000));
      var followed = new ByteArrayOutputStream();
      job.followStdout(followed::writeBytes);
      assertThat(followed.toByteArray()).isEqualTo(bytes);
    }
  }

  @Test
  void stdinKeptOpenTakesTextAndRawBytesUntilClosed() {
    try (Session sh = sbx.sessions().create()) {
      Command job = startReading(sh, "while read -r l; do echo \"got $l\"; done; echo done");
      job.stdin("one\n");
      job.stdin("two ✓\n".getBytes(StandardCharsets.UTF_8));
      assertThat(job.info().state()).isEqualTo(CommandState.RUNNING);

      job.closeStdin();
      CommandResult r = job.await(Duration.ofSeconds(10));

      assertThat(r.stdout()).isEqualTo("ready\ngot one\ngot two ✓\ndone\n");
      assertThat(r.info().stdinPiped()).isTrue();
      assertThatThrownBy(() -> job.stdin("late")).isInstanceOf(ConflictException.class);

      byte[] binary = new byte[70_000];
      new Random(7).nextBytes(binary);
      Command hash = startReading(sh, "sha256sum | cut -d' ' -f1");
      hash.stdin(binary);
      hash.closeStdin();
      assertThat(hash.await(Duration.ofSeconds(10)).stdout()).isEqualTo("ready\n" + sha256(binary) + "\n");
    }
  }

  /**
   * Starts a command with open stdin and returns once the shell has opened it: the server loses
   * input that arrives before that (see {@link #stdinSentAtOnceAfterTheSubmitIsNeverLost()}).
   */
  private static Command startReading(Session sh, String script) {
    Command job = sh.start(CommandRequest.of("echo ready; " + script).keepStdinOpen(true));
    await().atMost(Duration.ofSeconds(10)).until(() -> job.stdout().length > 0);
    return job;
  }

  @Test
  void stdinSentAtOnceAfterTheSubmitIsNeverLost() {
    for (int i = 0; i < 10; i++) {
      try (Session sh = sbx.sessions().create()) {
        assertThat(sh.run(CommandRequest.of("cat").stdin("inline\n").timeout(Duration.ofSeconds(5))).stdout())
            .isEqualTo("inline\n");
        byte[] binary = {(byte) 0xff, 0, 1};
        assertThat(sh.run(CommandRequest.of("wc -c").stdin(binary).timeout(Duration.ofSeconds(5))).stdout()).isEqualTo("3\n");
      }
    }
  }

  @Test
  void interruptStopsTheCommandAndTheRestOfItsScript() {
    try (Session sh = sbx.sessions().create()) {
      Command job = sh.start("echo started; sleep 100; echo not-reached");
      await().atMost(Duration.ofSeconds(10)).until(() -> new String(job.stdout(), StandardCharsets.UTF_8).equals("started\n"));
      long start = System.nanoTime();

      job.signal(Signal.INT);
      CommandResult r = job.await(Duration.ofSeconds(10));

      assertThat(r.isDone()).isTrue();
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
      assertThat(r.stdout()).isEqualTo("started\n");
      assertThat(r.info().signal()).contains(Signal.INT);
      assertThat(sh.run("echo alive").stdout()).isEqualTo("alive\n");
    }
  }

  @Test
  void aCommandPastItsTimeoutIsStoppedAndSaysSo() {
    try (Session sh = sbx.sessions().create()) {
      long start = System.nanoTime();

      CommandResult r = sh.run(CommandRequest.of("echo before; sleep 30; echo after").timeout(Duration.ofSeconds(1)));

      assertThat(r.timedOut()).isTrue();
      assertThat(r.isDone()).isTrue();
      assertThat(r.succeeded()).isFalse();
      assertThat(r.stdout()).isEqualTo("before\n");
      assertThat(r.info().timeout()).contains(Duration.ofSeconds(1));
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
    }
  }

  @Test
  void aShortWaitAnswersTheCommandStillRunning() {
    try (Session sh = sbx.sessions().create()) {
      CommandResult r = sh.run(CommandRequest.of("sleep 1; echo late").waitFor(Duration.ofMillis(200)));

      assertThat(r.state()).isEqualTo(CommandState.RUNNING);
      assertThat(r.exitCode()).isEqualTo(-1);
      assertThat(r.exitCodeIfKnown()).isEmpty();
      assertThat(sh.command(r.id()).await(Duration.ofSeconds(10)).stdout()).isEqualTo("late\n");
    }
  }

  private static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
