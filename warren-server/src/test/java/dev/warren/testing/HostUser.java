package dev.warren.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Commands run as an unprivileged user of the host ({@code nobody}, 65534, no supplementary
 * groups), the way a local attacker would: through {@code setpriv}, with a clean environment and
 * a time limit. For tests of what a local user can and cannot reach.
 */
public final class HostUser {
  public static final int UID = 65534;

  private HostUser() {}

  /** What a command did: its exit code ({@code -1} when it was killed at its limit) and its output. */
  public record Result(int exitCode, String stdout, String stderr) {}

  /** Runs {@code argv} as {@code nobody}; kills it after {@code limit}. */
  public static Result run(List<String> argv, Duration limit) {
    List<String> cmd = new ArrayList<>(List.of("setpriv", "--reuid=" + UID, "--regid=" + UID, "--clear-groups", "--"));
    cmd.addAll(argv);
    Path out = null;
    Path err = null;
    try {
      out = Files.createTempFile("warren-hostuser-", ".out");
      err = Files.createTempFile("warren-hostuser-", ".err");
      ProcessBuilder pb = new ProcessBuilder(cmd).directory(Path.of("/").toFile()).redirectOutput(out.toFile()).redirectError(err.toFile());
      pb.environment().clear();
      pb.environment().put("PATH", "/usr/local/bin:/usr/bin:/bin");
      pb.environment().put("HOME", "/nonexistent");
      Process p = pb.start();
      int code = -1;
      if (p.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
        code = p.exitValue();
      } else {
        p.destroyForcibly();
        p.waitFor(10, TimeUnit.SECONDS);
      }
      return new Result(code, Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run " + cmd, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted running " + cmd, e);
    } finally {
      delete(out);
      delete(err);
    }
  }

  /**
   * The TCP ports from {@code first} to {@code last} of {@code address} that accept a connection
   * from {@code nobody}, each given {@code timeout} to answer ({@link PortScan} from a copy of its
   * class file that {@code nobody} can read).
   */
  public static List<Integer> scan(String address, int first, int last, Duration timeout, Duration limit) {
    Path dir = null;
    try {
      dir = Files.createTempDirectory(Path.of("/tmp"), "warren-portscan-");
      Path pkg = Files.createDirectories(dir.resolve(PortScan.class.getPackageName().replace('.', '/')));
      try (var in = PortScan.class.getResourceAsStream(PortScan.class.getSimpleName() + ".class")) {
        Path copy = Files.write(pkg.resolve(PortScan.class.getSimpleName() + ".class"), in.readAllBytes());
        Files.setPosixFilePermissions(copy, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
      }
      for (Path p = pkg; !p.equals(dir.getParent()); p = p.getParent()) {
        Files.setPosixFilePermissions(p, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
      }
      String java = ProcessHandle.current().info().command().orElse("java");
      Result r = run(List.of(java, "-XX:-UsePerfData", "-XX:TieredStopAtLevel=1", "-cp", dir.toString(), PortScan.class.getName(), address,
          Integer.toString(first), Integer.toString(last), Long.toString(timeout.toMillis())), limit);
      String expected = "scanned " + (last - first + 1);
      if (r.exitCode() != 0 || !r.stdout().contains(expected)) {
        throw new AssertionError("the scan of " + address + " as uid " + UID + " did not finish (exit " + r.exitCode() + ", expected '"
            + expected + "'): " + r.stdout() + r.stderr());
      }
      return r.stdout().lines().filter(l -> l.startsWith("open ")).map(l -> Integer.parseInt(l.substring(5))).toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      if (dir != null) {
        try (var walk = Files.walk(dir)) {
          walk.sorted(java.util.Comparator.reverseOrder()).forEach(HostUser::delete);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }
    }
  }

  private static void delete(Path p) {
    if (p != null) {
      try {
        Files.deleteIfExists(p);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }
}
