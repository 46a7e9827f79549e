package dev.warren.reliability;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A PostgreSQL server of the test's own (initdb in a temporary directory, its own port on
 * loopback, a random password), so that stopping and starting it disturbs nobody else's tests.
 * {@link #close()} stops it and deletes everything.
 */
final class PrivatePostgres implements AutoCloseable {
  private final Path dir;
  private final Path bin;
  private final int port;
  private final String password;

  private PrivatePostgres(Path dir, Path bin, int port, String password) {
    this.dir = dir;
    this.bin = bin;
    this.port = port;
    this.password = password;
  }

  static PrivatePostgres start() {
    Path bin = newestBin();
    try {
      Path dir = Files.createTempDirectory(Path.of("/tmp"), "warren-pg-");
      String password = "pg-" + UUID.randomUUID();
      Files.writeString(dir.resolve("pw"), password + "\n");
      run(List.of("chown", "-R", "postgres:postgres", dir.toString()));
      int port;
      try (ServerSocket s = new ServerSocket(0)) {
        port = s.getLocalPort();
      }
      PrivatePostgres pg = new PrivatePostgres(dir, bin, port, password);
      try {
        pg.asPostgres(List.of(bin.resolve("initdb").toString(), "-D", dir.resolve("data").toString(), "-U", "postgres",
            "--auth=scram-sha-256", "--pwfile=" + dir.resolve("pw"), "--no-sync"));
        pg.up();
        return pg;
      } catch (RuntimeException e) {
        pg.close();
        throw e;
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The WARREN_DB_* settings that point Warren at this server. */
  Map<String, String> settings() {
    return Map.of("WARREN_DB_URL", "jdbc:postgresql://127.0.0.1:" + port + "/postgres", "WARREN_DB_USER", "postgres",
        "WARREN_DB_PASSWORD", password);
  }

  String password() {
    return password;
  }

  void up() {
    asPostgres(List.of(bin.resolve("pg_ctl").toString(), "-D", dir.resolve("data").toString(), "-l", dir.resolve("log").toString(),
        "-o", "-p " + port + " -k " + dir + " -c listen_addresses=127.0.0.1 -c fsync=off", "-w", "-t", "60", "start"));
  }

  /** Stops the server the way an administrator's restart does: existing connections are cut. */
  void down() {
    asPostgres(List.of(bin.resolve("pg_ctl").toString(), "-D", dir.resolve("data").toString(), "-m", "fast", "-w", "-t", "60", "stop"));
  }

  @Override
  public void close() {
    try {
      if (Files.exists(dir.resolve("data").resolve("postmaster.pid"))) {
        down();
      }
    } finally {
      run(List.of("rm", "-rf", dir.toString()));
    }
  }

  private static Path newestBin() {
    try (Stream<Path> s = Files.list(Path.of("/usr/lib/postgresql"))) {
      return s.max((a, b) -> Integer.compare(version(a), version(b))).orElseThrow().resolve("bin");
    } catch (IOException e) {
      throw new IllegalStateException("PostgreSQL is not installed (./warren test installs it)", e);
    }
  }

  private static int version(Path p) {
    try {
      return Integer.parseInt(p.getFileName().toString());
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  private void asPostgres(List<String> cmd) {
    List<String> all = new ArrayList<>(List.of("runuser", "-u", "postgres", "--"));
    all.addAll(cmd);
    run(all);
  }

  private static void run(List<String> cmd) {
    try {
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
        throw new IllegalStateException(String.join(" ", cmd) + " failed: " + out);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
