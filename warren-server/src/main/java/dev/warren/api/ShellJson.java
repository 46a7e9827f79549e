package dev.warren.api;

import dev.warren.shell.ShellCommand;
import dev.warren.shell.ShellSession;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import tools.jackson.databind.node.ObjectNode;

/** The session and command bodies of the API. */
final class ShellJson {
  private ShellJson() {}

  static ObjectNode session(ShellSession s) {
    ObjectNode n = Json.object();
    n.put("id", s.id());
    n.put("sandboxId", s.sandboxId());
    n.put("generation", s.generation());
    n.put("state", s.state().wire());
    n.put("stateReason", s.stateReason().orElse(null));
    if (s.pid().isPresent()) {
      n.put("pid", s.pid().get());
    } else {
      n.putNull("pid");
    }
    ObjectNode env = n.putObject("env");
    s.env().forEach(env::put);
    n.put("cwd", s.cwd().orElse(null));
    n.put("createdAt", Json.time(s.createdAt()));
    n.put("endedAt", Json.time(s.endedAt()));
    return n;
  }

  /** A job; with output, the first {@code max} bytes of each stream inline (UTF-8, invalid bytes replaced). */
  static ObjectNode command(ShellCommand c, Optional<byte[]> stdout, Optional<byte[]> stderr) {
    ObjectNode n = Json.object();
    n.put("id", c.id());
    n.put("sessionId", c.sessionId());
    n.put("sandboxId", c.sandboxId());
    n.put("seq", c.seq());
    n.put("command", c.command());
    n.put("state", c.state().wire());
    if (c.exitCode().isPresent()) {
      n.put("exitCode", c.exitCode().get());
    } else {
      n.putNull("exitCode");
    }
    n.put("submittedAt", Json.time(c.submittedAt()));
    n.put("startedAt", Json.time(c.startedAt()));
    n.put("endedAt", Json.time(c.endedAt()));
    if (c.startedAt().isPresent() && c.endedAt().isPresent()) {
      n.put("durationMs", Duration.between(c.startedAt().get(), c.endedAt().get()).toMillis());
    } else {
      n.putNull("durationMs");
    }
    n.put("stdin", !c.stdinMode().equals("null"));
    n.put("timeoutSeconds", c.timeoutMs().map(ms -> ms / 1000.0).orElse(null));
    n.put("timedOut", c.timedOut());
    n.put("signal", c.signal().orElse(null));
    n.put("shellRestarted", c.shellRestarted());
    n.put("reason", c.reason().orElse(null));
    n.put("stdoutBytes", c.stdoutBytes());
    n.put("stderrBytes", c.stderrBytes());
    stdout.ifPresent(b -> {
      n.put("stdout", new String(b, StandardCharsets.UTF_8));
      n.put("stdoutTruncated", c.stdoutBytes() > b.length || b.length >= dev.warren.shell.ShellService.INLINE_OUTPUT);
    });
    stderr.ifPresent(b -> {
      n.put("stderr", new String(b, StandardCharsets.UTF_8));
      n.put("stderrTruncated", c.stderrBytes() > b.length || b.length >= dev.warren.shell.ShellService.INLINE_OUTPUT);
    });
    return n;
  }
}
