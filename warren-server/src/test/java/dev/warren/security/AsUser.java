package dev.warren.security;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs a command on the host as another user: {@code setpriv} with that uid and gid and no
 * supplementary groups, the way a local user without privileges (or a sandbox's uid) would.
 */
final class AsUser {
  /** uid and gid of {@code nobody}. */
  static final long NOBODY = 65534;

  record Result(int exitCode, String stdout, String stderr) {
    boolean ok() {
      return exitCode == 0;
    }

    @Override
    public String toString() {
      String out = stdout.strip();
      return "exit " + exitCode + ", stdout: " + (out.length() > 200 ? out.substring(0, 200) + "…" : out) + ", stderr: " + stderr.strip();
    }
  }

  private AsUser() {}

  static Result run(long uid, String... command) {
    List<String> argv = new ArrayList<>(List.of("setpriv", "--reuid=" + uid, "--regid=" + uid, "--clear-groups", "--"));
    argv.addAll(List.of(command));
    try {
      Process p = new ProcessBuilder(argv).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
      byte[][] errBytes = new byte[1][];
      Thread err = Thread.ofVirtual().start(() -> {
        try {
          errBytes[0] = p.getErrorStream().readAllBytes();
        } catch (IOException e) {
          errBytes[0] = e.toString().getBytes(StandardCharsets.UTF_8);
        }
      });
      byte[] out = p.getInputStream().readAllBytes();
      err.join();
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IllegalStateException(argv + " did not finish within 30 s");
      }
      return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8), new String(errBytes[0], StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Reads {@code path} with cat as {@code uid}. */
  static Result read(long uid, java.nio.file.Path path) {
    return run(uid, "cat", path.toString());
  }
}
