package dev.warren.client;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * A snapshot of a shell session as the server reported it. Immutable; ask again with
 * {@link Session#info()}.
 *
 * @param sandboxId the sandbox the shell runs in
 * @param generation the sandbox generation the session was made in; a restarted sandbox (new
 *     generation) ends its sessions
 * @param stateReason why the session ended, e.g. {@code its sandbox stopped (generation 1)}
 * @param pid the shell's process id inside the sandbox, once it runs
 * @param env the variables the session was created with; {@link Session#setEnv} changes the
 *     shell, not this record
 * @param cwd the working directory the session was created with, if one was given
 * @param endedAt when the session ended, if it did
 */
public record SessionInfo(
    String id,
    String sandboxId,
    long generation,
    SessionState state,
    Optional<String> stateReason,
    OptionalLong pid,
    Map<String, String> env,
    Optional<String> cwd,
    Instant createdAt,
    Optional<Instant> endedAt) {

  public SessionInfo {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(sandboxId, "sandboxId");
    Objects.requireNonNull(state, "state");
    Objects.requireNonNull(stateReason, "stateReason");
    Objects.requireNonNull(pid, "pid");
    env = Map.copyOf(Objects.requireNonNull(env, "env"));
    Objects.requireNonNull(cwd, "cwd");
    Objects.requireNonNull(createdAt, "createdAt");
    Objects.requireNonNull(endedAt, "endedAt");
  }

  /** Whether the session takes commands ({@link SessionState#READY}). */
  public boolean isReady() {
    return state == SessionState.READY;
  }
}
