package dev.warren.cli;

import dev.warren.config.Config;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code warren shell SANDBOX}: this terminal, attached to a login shell in the sandbox. */
@Command(name = "shell", mixinStandardHelpOptions = true, description = "Open an interactive shell in a sandbox (exit or Ctrl-D leaves it).")
final class ShellCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "SANDBOX")
  String sandbox;

  @Option(names = "--url", description = "server URL (default: the address in $WARREN_DATA/listen, else WARREN_LISTEN)")
  String url;

  @Option(names = "--token", description = "API token (default: $WARREN_DATA/token)")
  String token;

  @Override
  public Integer call() throws Exception {
    Config c = CliConfig.load();
    String base = url != null ? url : "http://" + listen(c);
    String t = token != null ? token : Files.readString(c.dataDir().resolve("token")).strip();
    int[] size = terminalSize();
    if (size[0] < 1 || size[1] < 1) {
      // a 0×0 terminal (some CI runners, an unsized pty) would make every program in the shell draw nothing
      System.err.println("warren: this terminal reports a size of " + size[0] + "×" + size[1] + " columns×rows; give it one "
          + "(stty cols 120 rows 40) or resize the window, then run warren shell again");
      return 2;
    }
    URI uri = URI.create(base.replaceFirst("^http", "ws") + "/v1/sandboxes/" + sandbox + "/pty?cols=" + size[0] + "&rows=" + size[1]);
    CompletableFuture<String> closed = new CompletableFuture<>();
    WebSocket ws = HttpClient.newHttpClient().newWebSocketBuilder().header("Authorization", "Bearer " + t)
        .buildAsync(uri, new WebSocket.Listener() {
          @Override
          public CompletionStage<?> onBinary(WebSocket w, ByteBuffer data, boolean last) {
            byte[] b = new byte[data.remaining()];
            data.get(b);
            System.out.write(b, 0, b.length);
            System.out.flush();
            w.request(1);
            return null;
          }

          @Override
          public CompletionStage<?> onClose(WebSocket w, int code, String reason) {
            closed.complete(code == 1000 ? "" : "closed: " + code + " " + reason);
            return null;
          }

          @Override
          public void onError(WebSocket w, Throwable error) {
            closed.complete("error: " + error.getMessage());
          }
        }).get(15, TimeUnit.SECONDS);
    boolean raw = stty("raw", "-echo");
    try {
      Thread input = Thread.ofPlatform().daemon().start(() -> {
        InputStream in = System.in;
        byte[] buf = new byte[4096];
        try {
          int n;
          while (!closed.isDone() && (n = in.read(buf)) >= 0) {
            if (n == 0) {
              continue;
            }
            ws.sendBinary(ByteBuffer.wrap(buf, 0, n).asReadOnlyBuffer(), true).get(10, TimeUnit.SECONDS);
            int[] now = terminalSize();
            if (now[0] != size[0] || now[1] != size[1]) {
              size[0] = now[0];
              size[1] = now[1];
              ws.sendText("{\"type\":\"resize\",\"cols\":" + now[0] + ",\"rows\":" + now[1] + "}", true);
            }
          }
          // stdin ended (a pipe ran dry): end of input for the shell too (Ctrl-D), so it runs what it got and exits;
          // if something in it ignores that, leave anyway instead of waiting forever
          ws.sendBinary(ByteBuffer.wrap(new byte[] {4}), true).get(10, TimeUnit.SECONDS);
          try {
            closed.get(10, TimeUnit.SECONDS);
          } catch (java.util.concurrent.TimeoutException e) {
            ws.sendClose(WebSocket.NORMAL_CLOSURE, "input ended").get(5, TimeUnit.SECONDS);
            closed.complete("");
          }
        } catch (Exception e) {
          closed.complete("");
        }
      });
      String end = closed.get();
      input.interrupt();
      if (!end.isEmpty()) {
        System.err.println("\r\nwarren: " + end);
        return 1;
      }
      return 0;
    } finally {
      if (raw) {
        stty("sane");
      }
    }
  }

  private static String listen(Config c) {
    try {
      Path f = c.dataDir().resolve("listen");
      if (Files.exists(f)) {
        return Files.readString(f).strip();
      }
    } catch (IOException ignored) {
      // fall back to the setting
    }
    return c.listen().getAddress().getHostAddress() + ":" + c.listen().getPort();
  }

  /** Columns and rows of the controlling terminal (0×0 when it says so), 80×24 when there is none. */
  private static int[] terminalSize() {
    try {
      Process p = new ProcessBuilder("stty", "size").redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/tty"))).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
      p.waitFor(2, TimeUnit.SECONDS);
      String[] rc = out.split("\\s+");
      return new int[] {Integer.parseInt(rc[1]), Integer.parseInt(rc[0])};
    } catch (Exception e) {
      return new int[] {80, 24};
    }
  }

  private static boolean stty(String... args) {
    try {
      List<String> argv = new java.util.ArrayList<>(List.of("stty"));
      argv.addAll(List.of(args));
      Process p = new ProcessBuilder(argv).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/tty"))).start();
      return p.waitFor(2, TimeUnit.SECONDS) && p.exitValue() == 0;
    } catch (Exception e) {
      return false;
    }
  }
}
