package dev.warren.security;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warren.testing.TestWarren;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/**
 * Attacks from inside a sandbox: shell commands through the exec API, and raw system calls through
 * {@code syscalls.py} (ctypes, x86_64 numbers), which answers each probe with {@code ok} or the
 * errno's name. Also reads the restricted-profile fields of {@code /proc/<pid>/status}.
 */
final class SandboxProbe {
  /**
   * The capabilities every sandbox process may hold at most: Docker's default set without NET_RAW
   * and MKNOD (CHOWN, DAC_OVERRIDE, FOWNER, FSETID, KILL, SETGID, SETUID, SETPCAP,
   * NET_BIND_SERVICE, SYS_CHROOT, AUDIT_WRITE, SETFCAP), as /proc/PID/status prints the mask.
   */
  static final String CAPS = "00000000a00405fb";

  private static final byte[] SCRIPT;

  static {
    try (InputStream in = SandboxProbe.class.getResourceAsStream("syscalls.py")) {
      SCRIPT = in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private final TestWarren warren;

  SandboxProbe(TestWarren warren) {
    this.warren = warren;
  }

  JsonNode exec(String id, String command) {
    var r = warren.post("/v1/sandboxes/" + id + "/exec", TestWarren.json(Map.of("command", command, "timeoutSeconds", 60)));
    assertThat(r.status()).as("exec %s: %s", command, r).isEqualTo(200);
    return r.json();
  }

  /** Standard output and error of {@code command}, then {@code exit=<code>}. */
  String run(String id, String command) {
    JsonNode r = exec(id, command);
    return r.path("stdout").asString() + r.path("stderr").asString() + "exit=" + r.path("exitCode").asInt();
  }

  /** Runs the named probes of syscalls.py in the sandbox: probe name to {@code ok} or an errno name (EPERM, ENOSYS, …). */
  Map<String, String> syscalls(String id, List<String> probes) {
    var put = warren.put("/v1/sandboxes/" + id + "/files?path=/tmp/syscalls.py", SCRIPT);
    assertThat(put.status()).as("upload the probe: %s", put).isBetween(200, 204);
    JsonNode r = exec(id, "python3 /tmp/syscalls.py " + String.join(" ", probes));
    assertThat(r.path("exitCode").asInt()).as("the probe ran: %s", r).isZero();
    Map<String, String> out = new LinkedHashMap<>();
    for (String line : r.path("stdout").asString().split("\n")) {
      int eq = line.indexOf('=');
      if (eq > 0) {
        out.put(line.substring(0, eq), line.substring(eq + 1));
      }
    }
    assertThat(out.keySet()).as("every probe answered: %s", r).containsExactlyElementsOf(probes);
    return out;
  }

  /** The restricted-profile fields of {@code /proc/<pid>/status} in the sandbox ({@code self}: the shell that reads it). */
  Map<String, String> status(String id, String pid) {
    String text = exec(id, "cat /proc/" + pid + "/status").path("stdout").asString();
    Map<String, String> out = new LinkedHashMap<>();
    for (String line : text.split("\n")) {
      int colon = line.indexOf(':');
      if (colon > 0) {
        String key = line.substring(0, colon);
        if (key.startsWith("Cap") || key.startsWith("Seccomp") || key.equals("NoNewPrivs") || key.equals("Uid")) {
          out.put(key, line.substring(colon + 1).strip());
        }
      }
    }
    return out;
  }

  /** The sandbox, its neighbour and the controller still answer after an attack. */
  void nothingElseWasHarmed(String id, String neighbour) {
    assertThat(warren.get("/healthz").status()).isEqualTo(200);
    assertThat(exec(id, "echo alive").path("stdout").asString()).isEqualTo("alive\n");
    assertThat(exec(neighbour, "echo alive").path("stdout").asString()).isEqualTo("alive\n");
  }
}
