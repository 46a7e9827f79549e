package dev.warren.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs the {@code warren} command line in a child JVM with exactly the given WARREN_* settings. */
public final class WarrenCli {
  private WarrenCli() {}

  /** Exit code and everything printed (stdout and stderr together). */
  public record Result(int code, String output) {
    @Override
    public String toString() {
      return "exit " + code + ":\n" + output;
    }
  }

  public static List<String> command(String... args) {
    List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElseThrow(),
        "--enable-native-access=ALL-UNNAMED", "-Xmx256m", "-cp", System.getProperty("java.class.path"), "dev.warren.Main"));
    cmd.addAll(List.of(args));
    return cmd;
  }

  public static Result run(Map<String, String> env, String... args) {
    return run(env, 180, args);
  }

  public static Result run(Map<String, String> env, int timeoutSeconds, String... args) {
    ProcessBuilder pb = new ProcessBuilder(command(args)).redirectErrorStream(true);
    pb.environment().keySet().removeIf(k -> k.startsWith("WARREN_"));
    pb.environment().putAll(env);
    try {
      Process p = pb.start();
      byte[] out = p.getInputStream().readAllBytes();
      if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IllegalStateException("warren " + String.join(" ", args) + " did not end within " + timeoutSeconds + " s");
      }
      return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8).strip());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
