package dev.warren.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Following a command's output over SSE against a loopback server that misbehaves on purpose. */
class OutputFollowerTest {

  private static final int SIZE = 200_000;

  private final SseLogServer server = new SseLogServer(randomBytes(SIZE));
  private final Warren warren = server.client();
  private final ByteArrayOutputStream received = new ByteArrayOutputStream();

  @AfterEach
  void stop() {
    warren.close();
    server.close();
  }

  @Test
  void dropsMidEventAndEndsWithoutExitAreResumedAtTheLastByteWithNothingLostOrRepeated() {
    server.then(c -> c.openToBreak().output(0, 40_960).halfAnEvent(40_960))
        .then(c -> c.open().output(c.offset, 102_400))
        // this connection starts a chunk early, as a server that rounds offsets down might
        .then(c -> c.open().output(98_304, SIZE).exit());

    CommandResult result = server.command(warren).followStdout(received::writeBytes);

    assertThat(received.toByteArray()).isEqualTo(server.content);
    assertThat(server.offsets).containsExactly(0L, 40_960L, 102_400L);
    assertThat(server.lastEventIds).containsExactly(null, "40960", "102400");
    assertThat(result.exitCode()).isZero();
    assertThat(result.state()).isEqualTo(CommandState.FINISHED);
    assertThat(result.stdout()).isEqualTo("head");
    assertThat(result.stdoutTruncated()).isTrue();
    assertThat(result.info().stdoutBytes()).isEqualTo(SIZE);
  }

  @Test
  void outputEventsAreDecodedToTheExactBytesFromTheRequestedOffset() {
    CommandResult result = server.command(warren).followStdout(150_000, received::writeBytes);

    assertThat(received.toByteArray()).isEqualTo(java.util.Arrays.copyOfRange(server.content, 150_000, SIZE));
    assertThat(server.offsets).containsExactly(150_000L);
    assertThat(server.lastEventIds).containsExactly("150000");
    assertThat(result.isDone()).isTrue();
  }

  @Test
  void aGapInTheOffsetsIsAnErrorRatherThanLostBytes() {
    server.then(c -> c.open().output(0, 8192).output(12_288, SIZE).exit());

    assertThatThrownBy(() -> server.command(warren).followStdout(received::writeBytes))
        .isInstanceOf(WarrenException.class)
        .hasMessageContaining("output jumped from byte 8192 to byte 12288");
    assertThat(received.size()).isEqualTo(8192);
  }

  @Test
  void unreadableBase64IsAnErrorNamingTheEvent() {
    server.then(c -> c.open().write("event: output\nid: 3\ndata: !!!\n\n"));

    assertThatThrownBy(() -> server.command(warren).followStdout(received::writeBytes))
        .isInstanceOf(WarrenException.class)
        .hasMessageContaining("sent an output event this SDK cannot read");
  }

  @Test
  void connectionsThatBreakWithoutProgressGiveUpAfterTheClientsAttempts() {
    for (int i = 0; i < 5; i++) server.then(c -> c.openToBreak().write(": hello\n\n"));

    assertThatThrownBy(() -> server.command(warren).followStdout(received::writeBytes))
        .isInstanceOf(UnavailableException.class)
        .hasMessageContaining("following stdout with GET " + SseLogServer.COMMAND + "/logs?stream=stdout&follow=true&offset=0")
        .hasMessageContaining("failed 5 times in a row at byte 0");
    assertThat(server.offsets).hasSize(5);
  }

  @Test
  void progressResetsTheCountOfFailures() {
    // eight broken connections, each one chunk further: more than five, but never five in a row without progress
    for (int i = 0; i < 8; i++) {
      long from = (long) i * SseLogServer.CHUNK;
      server.then(c -> c.openToBreak().output(from, from + SseLogServer.CHUNK));
    }

    server.command(warren).followStdout(received::writeBytes);

    assertThat(received.toByteArray()).isEqualTo(server.content);
    assertThat(server.offsets).hasSize(9);
  }

  @Test
  void busyAnswersAreRetriedAndOtherErrorsAreNot() {
    server.then(c -> c.problem(503, "runtime-unavailable"));
    server.command(warren).followStdout(received::writeBytes);
    assertThat(server.offsets).hasSize(2);
    assertThat(received.toByteArray()).isEqualTo(server.content);

    server.then(c -> c.problem(404, "not-found"));
    assertThatThrownBy(() -> server.command(warren).followStdout(b -> {}))
        .isInstanceOf(NotFoundException.class)
        .hasMessageContaining("failed with 404 not-found: as planned");
    assertThat(server.offsets).hasSize(3);
  }

  @Test
  void theSinksOwnExceptionEndsTheFollowWithoutARetry() {
    var failure = new IllegalStateException("disk full");
    AtomicInteger chunks = new AtomicInteger();

    assertThatThrownBy(() -> server.command(warren).followStdout(b -> {
      chunks.incrementAndGet();
      throw failure;
    })).isSameAs(failure);
    assertThat(chunks).hasValue(1);
    assertThat(server.offsets).hasSize(1);
  }

  @Test
  void aConnectionSilentPastTheIdleLimitIsDroppedAndResumed() {
    server.then(c -> {
      c.open().output(0, 8192).write(": following\n\n");
      c.hang(Duration.ofSeconds(10));
    });
    var config = new ClientConfig(URI.create(server.baseUrl()), "t0ken", Duration.ofSeconds(2), Duration.ofSeconds(5),
        new Backoff(3, Duration.ofMillis(1), Duration.ofMillis(5)));
    long start = System.nanoTime();
    try (var transport = new HttpTransport(config)) {
      var follower = new OutputFollower(transport, SseLogServer.COMMAND + "/logs", "stdout", Duration.ofMillis(300));
      CommandInfo end = follower.follow(0, received::writeBytes);
      assertThat(end.exitCode()).hasValue(0);
    }

    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
    assertThat(received.toByteArray()).isEqualTo(server.content);
    assertThat(server.lastEventIds).containsExactly(null, "8192");
  }

  private static byte[] randomBytes(int n) {
    byte[] bytes = new byte[n];
    new Random(42).nextBytes(bytes);
    return bytes;
  }
}
