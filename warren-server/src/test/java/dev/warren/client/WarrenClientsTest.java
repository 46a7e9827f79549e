package dev.warren.client;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warren.testing.WarrenFixture;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The suites of the clients that are not Java, each against this real Warren: the Python SDK
 * ({@code python3 -m unittest}), the TypeScript SDK ({@code npm ci}, build, {@code node --test})
 * and the unmodified CDP and MCP clients from npm ({@code clients/interop}). They get {@code
 * WARREN_URL} and {@code WARREN_TOKEN}; their output is printed, and a failing suite fails here.
 */
public class WarrenClientsTest {
  public static final Path CLIENTS = Path.of(System.getProperty("user.dir")).resolveSibling("clients");

  @RegisterExtension
  static final WarrenFixture warren = WarrenFixture.withBrowserImage();

  @Test
  void thePythonSdkPassesItsTests() throws Exception {
    run(CLIENTS.resolve("python"), List.of("python3", "-m", "unittest", "discover", "-s", "tests", "-t", ".", "-v"));
  }

  @Test
  void theTypescriptSdkBuildsAndPassesItsTests() throws Exception {
    Path ts = CLIENTS.resolve("typescript");
    run(ts, List.of("sh", CLIENTS.resolve("npm-ci.sh").toString(), ts.toString()));
    run(ts, List.of("npm", "run", "--silent", "build"));
    run(ts, List.of("node", "--test", "--test-concurrency=1", "test/"));
  }

  @Test
  void puppeteerPlaywrightChromeRemoteInterfaceAndTheMcpClientWorkUnmodified() throws Exception {
    Path interop = CLIENTS.resolve("interop");
    run(interop, List.of("sh", CLIENTS.resolve("npm-ci.sh").toString(), interop.toString()));
    run(interop, List.of("node", "--test", "--test-concurrency=1", "test/"));
  }

  private static void run(Path dir, List<String> cmd) throws IOException, InterruptedException {
    run(warren.server(), dir, cmd);
  }

  /** Runs a command in {@code dir} with {@code server}'s URL and token; its output is printed; fails on a non-zero exit. */
  public static void run(dev.warren.testing.TestWarren server, Path dir, List<String> cmd) throws IOException, InterruptedException {
    Path out = Files.createTempFile("warren-clients-", ".log");
    try {
      ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).redirectOutput(out.toFile());
      pb.environment().putAll(Map.of("WARREN_URL", server.base().toString(), "WARREN_TOKEN", server.token(), "PUPPETEER_SKIP_DOWNLOAD", "1",
          "PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1", "NO_COLOR", "1"));
      long t0 = System.nanoTime();
      Process p = pb.start();
      boolean ended = p.waitFor(10, TimeUnit.MINUTES);
      if (!ended) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
      }
      String output = Files.readString(out, StandardCharsets.UTF_8);
      System.out.printf("--- %s in %s (%.1f s)%n%s%n", String.join(" ", cmd), dir.getFileName(), (System.nanoTime() - t0) / 1e9, output);
      assertThat(ended).as("%s ended within 10 minutes", cmd).isTrue();
      assertThat(p.exitValue()).as("exit code of %s; its output:%n%s", cmd, output).isZero();
    } finally {
      Files.deleteIfExists(out);
    }
  }
}
