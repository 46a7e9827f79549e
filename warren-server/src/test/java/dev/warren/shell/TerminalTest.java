package dev.warren.shell;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.warren.testing.TestWarren;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The interactive terminal over WebSocket: typing, output, resize, binary safety, clean close. */
class TerminalTest {
  static TestWarren warren;
  static String sandbox;

  @BeforeAll
  static void start() {
    warren = TestWarren.start();
    sandbox = warren.createSandbox("{}");
  }

  @AfterAll
  static void stop() {
    if (warren != null) {
      warren.close();
    }
  }

  /** Collects what the terminal prints and how the socket closed. */
  static final class Screen implements WebSocket.Listener {
    final ByteArrayOutputStream out = new ByteArrayOutputStream();
    final CompletableFuture<String> closed = new CompletableFuture<>();

    @Override
    public CompletionStage<?> onBinary(WebSocket ws, ByteBuffer data, boolean last) {
      synchronized (out) {
        byte[] b = new byte[data.remaining()];
        data.get(b);
        out.writeBytes(b);
      }
      ws.request(1);
      return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket ws, int code, String reason) {
      closed.complete(code + " " + reason);
      return null;
    }

    @Override
    public void onError(WebSocket ws, Throwable error) {
      closed.complete("error " + error);
    }

    String text() {
      synchronized (out) {
        return out.toString(StandardCharsets.UTF_8);
      }
    }

    byte[] bytes() {
      synchronized (out) {
        return out.toByteArray();
      }
    }
  }

  private WebSocket connect(Screen screen, String query) throws Exception {
    URI uri = URI.create("ws://" + warren.base().getAuthority() + "/v1/sandboxes/" + sandbox + "/pty" + query);
    return HttpClient.newHttpClient().newWebSocketBuilder().header("Authorization", "Bearer " + warren.token())
        .buildAsync(uri, screen).get(10, TimeUnit.SECONDS);
  }

  @Test
  void typedCommandsRunInALoginShellAndTheOutputComesBack() throws Exception {
    Screen screen = new Screen();
    WebSocket ws = connect(screen, "?cols=100&rows=30");
    ws.sendText("echo $((6*7))-$WARREN_SANDBOX_ID; tty; stty size\r", true).get();
    await().atMost(Duration.ofSeconds(10)).until(() -> screen.text().contains("42-" + sandbox) && screen.text().contains("30 100"));
    assertThat(screen.text()).contains("/dev/pts/");
    ws.sendText("{\"type\":\"resize\",\"cols\":120,\"rows\":40}", true).get();
    ws.sendText("stty size\r", true).get();
    await().atMost(Duration.ofSeconds(10)).until(() -> screen.text().contains("40 120"));
    // binary-safe: bytes that are not UTF-8 arrive unchanged
    ws.sendBinary(ByteBuffer.wrap("printf 'A\\377\\376B\\n'\r".getBytes(StandardCharsets.UTF_8)), true).get();
    await().atMost(Duration.ofSeconds(10)).until(() -> indexOf(screen.bytes(), new byte[] {'A', (byte) 0xff, (byte) 0xfe, 'B'}) >= 0);
    ws.sendText("exit 5\r", true).get();
    assertThat(screen.closed.get(10, TimeUnit.SECONDS)).isEqualTo("1000 shell exited with status 5");
  }

  @Test
  void closingTheSocketEndsTheShell() throws Exception {
    Screen screen = new Screen();
    WebSocket ws = connect(screen, "");
    // the marker is computed by the shell, so the terminal's echo of the typed line cannot match it
    ws.sendText("echo $$ > /tmp/pty-shell.pid; echo $((40+2))-ready\r", true).get();
    await().atMost(Duration.ofSeconds(10)).until(() -> screen.text().contains("42-ready"));
    ws.sendClose(1000, "bye").get();
    // "zombie" would be a shell killed but never reaped: a leak too
    java.util.concurrent.atomic.AtomicReference<String> last = new java.util.concurrent.atomic.AtomicReference<>();
    String probe = "p=$(cat /tmp/pty-shell.pid); if [ ! -e /proc/$p ]; then echo gone; "
        + "elif grep -q '^State:.*Z' /proc/$p/status; then echo zombie; else echo alive; ps -o pid,ppid,stat,args -e; fi";
    try {
      await().atMost(Duration.ofSeconds(15)).until(() -> {
        last.set(warren.exec(sandbox, probe).path("stdout").asString());
        return last.get().equals("gone\n");
      });
    } catch (org.awaitility.core.ConditionTimeoutException e) {
      throw new AssertionError("the shell outlived its terminal: " + last.get() + "\nserver log:\n" + warren.log(40), e);
    }
  }

  @Test
  void inputATerminalDoesNotReadEndsItWithAReasonAndBlocksNothingElse() throws Exception {
    Screen screen = new Screen();
    WebSocket ws = connect(screen, "");
    // the foreground process never reads: the tty, the relay's FIFO and then Warren's queue fill up
    ws.sendText("stty -icanon -echo; sleep 120\r", true).get();
    await().atMost(Duration.ofSeconds(10)).until(() -> warren.exec(sandbox, "pgrep -x sleep").path("exitCode").asInt() == 0);
    byte[] chunk = "x".repeat(64 * 1024).getBytes(StandardCharsets.UTF_8);
    long t0 = System.nanoTime();
    for (int i = 0; i < 40 && !screen.closed.isDone(); i++) {
      try {
        ws.sendBinary(ByteBuffer.wrap(chunk), true).get(10, TimeUnit.SECONDS);
      } catch (java.util.concurrent.ExecutionException e) {
        // Warren closed the socket while this chunk was on its way: the close below says why
        break;
      }
      // the API answers while the input is stuck
      assertThat(warren.get("/healthz").status()).isEqualTo(200);
    }
    assertThat(screen.closed.get(10, TimeUnit.SECONDS)).isEqualTo("1011 the terminal stopped reading input");
    assertThat((System.nanoTime() - t0) / 1_000_000).as("ms until the stuck terminal was closed").isLessThan(20_000);
    assertThat(warren.exec(sandbox, "echo still fine").path("stdout").asString()).isEqualTo("still fine\n");
  }

  @Test
  void aTerminalNeedsTheTokenAndARunningSandbox() throws Exception {
    URI uri = URI.create("ws://" + warren.base().getAuthority() + "/v1/sandboxes/" + sandbox + "/pty");
    var failed = HttpClient.newHttpClient().newWebSocketBuilder().buildAsync(uri, new Screen());
    assertThat(failed).failsWithin(Duration.ofSeconds(10));
    Screen screen = new Screen();
    URI withToken = URI.create(uri + "?token=" + warren.token());
    HttpClient.newHttpClient().newWebSocketBuilder().buildAsync(withToken, screen).get(10, TimeUnit.SECONDS).sendClose(1000, "ok");
    String stopped = warren.createSandbox("{}");
    warren.post("/v1/sandboxes/" + stopped + "/stop", null);
    Screen refused = new Screen();
    HttpClient.newHttpClient().newWebSocketBuilder().header("Authorization", "Bearer " + warren.token())
        .buildAsync(URI.create("ws://" + warren.base().getAuthority() + "/v1/sandboxes/" + stopped + "/pty"), refused).get(10, TimeUnit.SECONDS);
    assertThat(refused.closed.get(10, TimeUnit.SECONDS)).startsWith("4409 ").contains("stopped");
  }

  @Test
  void aTerminalWhoseOutputTheSandboxTurnedIntoASymlinkNeitherFollowsNorCreatesItsTarget() throws Exception {
    // a host path outside the sandbox that does not exist: following the link would create it
    java.nio.file.Path canary = java.nio.file.Path.of("/tmp/warren-pty-canary-" + System.nanoTime());
    Screen screen = new Screen();
    WebSocket ws = connect(screen, "");
    try {
      ws.sendText("echo id=$WARREN_TERMINAL_ID=; ln -sf " + canary + " /var/lib/warren/pty/$WARREN_TERMINAL_ID/out; echo $((40+2))-linked\r",
          true).get();
      await().atMost(Duration.ofSeconds(10)).until(() -> screen.text().contains("42-linked"));
      java.util.regex.Matcher m = java.util.regex.Pattern.compile("id=(pty_[0-9a-z]+)=").matcher(screen.text());
      assertThat(m.find()).as(screen.text()).isTrue();
      String dir = "/var/lib/warren/pty/" + m.group(1);
      assertThat(warren.exec(sandbox, "readlink " + dir + "/out").path("stdout").asString()).isEqualTo(canary + "\n");
      ws.sendClose(1000, "bye").get();
      // close() unblocks its output reader, then removes the terminal's files: wait for that
      await().atMost(Duration.ofSeconds(15)).until(() -> warren.exec(sandbox, "test -e " + dir + "/out || test -L " + dir + "/out")
          .path("exitCode").asInt() != 0);
      assertThat(canary).as("the host path the sandbox's symlink named").doesNotExist();
    } finally {
      java.nio.file.Files.deleteIfExists(canary);
    }
  }

  static int indexOf(byte[] hay, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= hay.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (hay[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }
}
