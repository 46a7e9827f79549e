package dev.warren.host;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Runs a host tool that owns a job (crun, ip, nft, mount) with its arguments as a list, a timeout,
 * and its stderr captured for the error message. Thread-safe; every call is independent.
 */
public final class Tool {
  private static final int MAX_CAPTURE = 1 << 20;

  private Tool() {}

  /** What a finished tool printed. */
  public record Result(List<String> argv, int exitCode, String stdout, String stderr) {
    public boolean ok() {
      return exitCode == 0;
    }

    /** Returns this result when the tool succeeded, else throws {@link ToolException}. */
    public Result orThrow() {
      if (exitCode != 0) {
        throw new ToolException(argv, exitCode, stderr, describe(argv) + " exited with " + exitCode + ": " + summary(stderr, stdout));
      }
      return this;
    }
  }

  public static Result run(List<String> argv, Duration timeout) {
    return run(argv, null, timeout, Optional.empty());
  }

  public static Result check(List<String> argv, Duration timeout) {
    return run(argv, timeout).orThrow();
  }

  /** Runs {@code argv} feeding {@code stdin} (may be null) and waits up to {@code timeout}. */
  public static Result run(List<String> argv, byte[] stdin, Duration timeout, Optional<Path> workDir) {
    Objects.requireNonNull(argv, "argv");
    Objects.requireNonNull(timeout, "timeout");
    ProcessBuilder pb = new ProcessBuilder(argv);
    workDir.ifPresent(d -> pb.directory(d.toFile()));
    if (stdin == null) {
      pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    }
    Process p;
    try {
      p = pb.start();
    } catch (IOException e) {
      throw new ToolException(argv, "cannot start " + describe(argv) + ": " + e.getMessage(), e);
    }
    CompletableFuture<byte[]> out = drain(p.getInputStream());
    CompletableFuture<byte[]> err = drain(p.getErrorStream());
    try {
      if (stdin != null) {
        try (OutputStream in = p.getOutputStream()) {
          in.write(stdin);
        } catch (IOException e) {
          // the tool may exit before reading all of its input; its exit code tells the story
        }
      }
      if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        p.destroyForcibly();
        p.waitFor(5, TimeUnit.SECONDS);
        throw new ToolException(argv, -1, text(err.getNow(new byte[0])), describe(argv) + " did not finish within " + timeout.toMillis() + " ms");
      }
      return new Result(List.copyOf(argv), p.exitValue(), text(out.join()), text(err.join()));
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new ToolException(argv, "interrupted while running " + describe(argv), e);
    }
  }

  private static CompletableFuture<byte[]> drain(InputStream in) {
    CompletableFuture<byte[]> f = new CompletableFuture<>();
    Thread.ofVirtual().name("tool-drain").start(() -> {
      try (in) {
        byte[] all = in.readNBytes(MAX_CAPTURE);
        in.transferTo(OutputStream.nullOutputStream());
        f.complete(all);
      } catch (IOException e) {
        f.complete(new byte[0]);
      }
    });
    return f;
  }

  private static String text(byte[] b) {
    return new String(b, StandardCharsets.UTF_8);
  }

  static String describe(List<String> argv) {
    return String.join(" ", argv.size() > 8 ? argv.subList(0, 8) : argv) + (argv.size() > 8 ? " …" : "");
  }

  static String summary(String stderr, String stdout) {
    String s = stderr.isBlank() ? stdout : stderr;
    s = s.strip();
    if (s.isEmpty()) {
      return "(no output)";
    }
    return s.length() > 2000 ? s.substring(s.length() - 2000) : s;
  }
}
