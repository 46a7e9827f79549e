package dev.warren.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.warren.testing.TestWarren;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@code Sandbox.exec} against a real sandbox: results, requests, timeouts, odd output. */
class SdkExecTest {
  static TestWarren server;
  static Warren warren;
  static Sandbox sbx;

  @RegisterExtension
  static final ServerLogOnFailure logs = new ServerLogOnFailure(() -> server);

  @BeforeAll
  static void startServer() {
    server = TestWarren.start();
    warren = server.sdk();
    sbx = warren.sandboxes().create(SandboxSpec.builder().env("SANDBOX_VAR", "from-spec").build());
  }

  @AfterAll
  static void stopServer() {
    try (var s = server; var w = warren; var box = sbx) {
      // closed in reverse order: sandbox, client, server
    }
  }

  @Test
  void shellCommandReportsItsExitCodeAndKeepsStdoutAndStderrApart() {
    ExecResult r = sbx.exec("echo out; echo err >&2; echo more; exit 3");

    assertThat(r.exitCode()).isEqualTo(3);
    assertThat(r.stdout()).isEqualTo("out\nmore\n");
    assertThat(r.stderr()).isEqualTo("err\n");
    assertThat(r.timedOut()).isFalse();
    assertThat(r.truncated()).isFalse();
    assertThat(r.succeeded()).isFalse();
    assertThat(r.duration()).isLessThan(Duration.ofSeconds(10));
    assertThat(sbx.exec("true").succeeded()).isTrue();
    assertThat(sbx.exec("false").exitCode()).isEqualTo(1);
  }

  @Test
  void argvRunsTheProgramWithoutAShell() {
    ExecResult r = sbx.exec(ExecRequest.argv("printf", "%s|", "$HOME", "a b", "*", "", "'q'"));

    assertThat(r.exitCode()).isZero();
    assertThat(r.stdout()).isEqualTo("$HOME|a b|*||'q'|");
  }

  @Test
  void requestAppliesCwdEnvAndStdin() {
    ExecResult r = sbx.exec(ExecRequest.argv("sh", "-c", "pwd; printf '%s\\n' \"$A\" \"$SANDBOX_VAR\"; cat")
        .cwd("/usr/share")
        .env("A", "1 2 ünï")
        .env("SANDBOX_VAR", "overridden")
        .stdin("line one\nzwei ✓\n")
        .timeout(Duration.ofSeconds(20)));

    assertThat(r.exitCode()).isZero();
    assertThat(r.stdout()).isEqualTo("/usr/share\n1 2 ünï\noverridden\nline one\nzwei ✓\n");
    assertThat(r.stderr()).isEmpty();
    assertThat(sbx.exec("echo $SANDBOX_VAR").stdout()).as("the spec's env when the request sets none").isEqualTo("from-spec\n");
  }

  @Test
  void stdinEndsAfterItsTextAndIsEmptyWhenNoneIsGiven() {
    assertThat(sbx.exec(ExecRequest.argv("wc", "-c").stdin("12345")).stdout()).isEqualTo("5\n");
    assertThat(sbx.exec(ExecRequest.argv("wc", "-c").stdin("")).stdout()).isEqualTo("0\n");
    ExecResult cat = sbx.exec(ExecRequest.argv("cat").timeout(Duration.ofSeconds(10)));
    assertThat(cat.timedOut()).as("cat must see end of input at once").isFalse();
    assertThat(cat.stdout()).isEmpty();
  }

  @Test
  void commandPastItsTimeoutIsKilledAndReportedPromptly() {
    long t0 = System.nanoTime();
    ExecResult r = sbx.exec(ExecRequest.command("echo started; sleep 31 & sleep 30; echo never")
        .timeout(Duration.ofSeconds(1)));
    Duration took = Duration.ofNanos(System.nanoTime() - t0);

    assertThat(r.timedOut()).isTrue();
    assertThat(r.exitCode()).isEqualTo(137);
    assertThat(r.succeeded()).isFalse();
    assertThat(r.stdout()).isEqualTo("started\n");
    assertThat(took).isBetween(Duration.ofSeconds(1), Duration.ofSeconds(5));
    assertThat(sbx.exec("pgrep -f 'sleep 3[01]'").exitCode()).as("the command and its background child are gone").isEqualTo(1);
  }

  @Test
  void timeoutAlsoKillsChildrenThatClearedTheirEnvironment() {
    ExecResult r = sbx.exec(ExecRequest.command("env -i /bin/sleep 1001 & sleep 30").timeout(Duration.ofSeconds(1)));

    assertThat(r.timedOut()).isTrue();
    assertThat(sbx.exec("pgrep -f 'slee[p] 1001'").exitCode()).as("the escaped child is gone").isEqualTo(1);
  }

  @Test
  void nonUtf8OutputArrivesWithReplacementCharacters() {
    ExecResult r = sbx.exec("printf 'caf\\351 ok \\342\\234\\223\\n'; printf '\\377\\376' >&2");

    assertThat(r.exitCode()).isZero();
    assertThat(r.stdout()).isEqualTo("caf\uFFFD ok ✓\n");
    assertThat(r.stderr()).isEqualTo("\uFFFD\uFFFD");
  }

  @Test
  void outputOverEightMebibytesIsCutAndFlagged() {
    ExecResult r = sbx.exec("head -c 17000000 /dev/zero | tr '\\0' x");

    assertThat(r.exitCode()).isZero();
    assertThat(r.truncated()).isTrue();
    assertThat(r.stdoutTruncated()).isTrue();
    assertThat(r.stderrTruncated()).isFalse();
    assertThat(r.stdout()).hasSize(8 * 1024 * 1024);
    assertThat(r.stdout().chars().allMatch(c -> c == 'x')).isTrue();
    assertThat(r.stdoutSize()).isEqualTo(17_000_000);
    assertThat(r.stderr()).isEmpty();
  }

  @Test
  void binaryOutputArrivesExactly() {
    ExecResult r = sbx.exec("printf 'A\\377\\000\\001B'; printf '\\376' >&2");

    assertThat(r.stdoutRaw()).containsExactly(0x41, 0xff, 0x00, 0x01, 0x42);
    assertThat(r.stderrRaw()).containsExactly(0xfe);
    assertThat(r.stdout()).isEqualTo("A\ufffd\u0000\u0001B");
    assertThat(r.truncated()).isFalse();
  }

  @Test
  void missingProgramOrDirectoryFailsTheCommandNotTheCall() {
    ExecResult noProgram = sbx.exec(ExecRequest.argv("/no/such/program"));
    assertThat(noProgram.exitCode()).isNotZero();
    assertThat(noProgram.stderr()).contains("/no/such/program");

    ExecResult noDirectory = sbx.exec(ExecRequest.argv("pwd").cwd("/no/such/dir"));
    assertThat(noDirectory.exitCode()).isNotZero();
    assertThat(noDirectory.stderr()).contains("/no/such/dir");
  }

  @Test
  void requestsTheServerRefusesAreInvalidInputNamingTheField() {
    InvalidInputException reserved = catchThrowableOfType(InvalidInputException.class,
        () -> sbx.exec(ExecRequest.argv("true").env("WARREN_SANDBOX_ID", "forged")));
    assertThat(reserved.status()).isEqualTo(400);
    assertThat(reserved.field()).contains("env.WARREN_SANDBOX_ID");

    InvalidInputException badName = catchThrowableOfType(InvalidInputException.class,
        () -> sbx.exec(ExecRequest.argv("true").env("1X", "y")));
    assertThat(badName.field()).contains("env.1X");

    InvalidInputException tooLong = catchThrowableOfType(InvalidInputException.class,
        () -> sbx.exec(ExecRequest.argv("true").timeout(Duration.ofDays(2))));
    assertThat(tooLong.field()).contains("timeoutSeconds");
    assertThat(tooLong.detail()).contains("timeoutSeconds must be between 1 and 86400, got 172800");

    assertThatThrownBy(() -> ExecRequest.argv("pwd").cwd("relative"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("cwd");
  }
}
