package dev.warren.shell;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A persistent shell in a sandbox: one bash whose state lives from command to command.
 *
 * @param generation the sandbox generation it runs in; a restarted sandbox ends its sessions
 * @param pid the shell's pid inside the sandbox
 */
public record ShellSession(
    String id, String sandboxId, long generation, SessionState state, Optional<String> stateReason, Optional<Long> pid,
    Map<String, String> env, Optional<String> cwd, Instant createdAt, Optional<Instant> endedAt) {
  public ShellSession {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(sandboxId, "sandboxId");
    env = Map.copyOf(env);
  }

  ShellSession with(SessionState s, Optional<String> reason, Optional<Long> newPid, Optional<Instant> ended) {
    return new ShellSession(id, sandboxId, generation, s, reason, newPid, env, cwd, createdAt, ended);
  }
}
