package dev.warren.shell;

import dev.warren.store.Store;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/** Session and command rows. Each method is one statement or one transaction. */
final class ShellRepository {
  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final String SESSION_COLS = "id, sandbox_id, generation, state, state_reason, pid, env, cwd, created_at, ended_at";
  private static final String COMMAND_COLS = "id, session_id, sandbox_id, seq, command, state, exit_code, stdin_mode, timeout_ms, "
      + "submitted_at, started_at, ended_at, stdout_bytes, stderr_bytes, shell_restarted, timed_out, signal, reason";

  private final Store store;

  ShellRepository(Store store) {
    this.store = store;
  }

  void insert(ShellSession s) {
    ObjectNode env = JSON.createObjectNode();
    s.env().forEach(env::put);
    store.write(h -> h.createUpdate("INSERT INTO shell_sessions (" + SESSION_COLS + ") VALUES (:id, :sbx, :gen, :state, :reason, :pid, "
            + ":env, :cwd, :created, :ended)")
        .bind("id", s.id()).bind("sbx", s.sandboxId()).bind("gen", s.generation()).bind("state", s.state().wire())
        .bind("reason", s.stateReason().orElse(null)).bind("pid", s.pid().orElse(null)).bind("env", JSON.writeValueAsString(env))
        .bind("cwd", s.cwd().orElse(null)).bind("created", s.createdAt().toEpochMilli())
        .bind("ended", s.endedAt().map(Instant::toEpochMilli).orElse(null)).execute());
  }

  void update(ShellSession s) {
    store.writeOne(h -> h.createUpdate("UPDATE shell_sessions SET state = :state, state_reason = :reason, pid = :pid, ended_at = :ended "
            + "WHERE id = :id")
        .bind("id", s.id()).bind("state", s.state().wire()).bind("reason", s.stateReason().orElse(null))
        .bind("pid", s.pid().orElse(null)).bind("ended", s.endedAt().map(Instant::toEpochMilli).orElse(null)).execute());
  }

  Optional<ShellSession> session(String id) {
    return store.read(h -> h.createQuery("SELECT " + SESSION_COLS + " FROM shell_sessions WHERE id = :id").bind("id", id)
        .map((rs, ctx) -> session(rs)).findOne());
  }

  List<ShellSession> sessions(String sandboxId) {
    return store.read(h -> h.createQuery("SELECT " + SESSION_COLS + " FROM shell_sessions WHERE sandbox_id = :sbx ORDER BY created_at, id")
        .bind("sbx", sandboxId).map((rs, ctx) -> session(rs)).list());
  }

  List<ShellSession> live() {
    return store.read(h -> h.createQuery("SELECT " + SESSION_COLS + " FROM shell_sessions WHERE state <> 'ended' ORDER BY created_at")
        .map((rs, ctx) -> session(rs)).list());
  }

  void deleteSession(String id) {
    store.write(h -> {
      h.createUpdate("DELETE FROM shell_commands WHERE session_id = :id").bind("id", id).execute();
      return h.createUpdate("DELETE FROM shell_sessions WHERE id = :id").bind("id", id).execute();
    });
  }

  long nextSeq(String sessionId) {
    return store.read(h -> h.createQuery("SELECT COALESCE(MAX(seq), 0) FROM shell_commands WHERE session_id = :s")
        .bind("s", sessionId).mapTo(Long.class).one()) + 1;
  }

  void insert(ShellCommand c) {
    store.writeOne(h -> bindCommand(h.createUpdate("INSERT INTO shell_commands (" + COMMAND_COLS + ") VALUES (:id, :session, :sbx, :seq, "
        + ":command, :state, :exit, :stdin, :timeout, :submitted, :started, :ended, :out, :err, :restarted, :timedOut, :signal, :reason)"), c)
        .execute());
  }

  void update(ShellCommand c) {
    store.writeOne(h -> bindCommand(h.createUpdate("UPDATE shell_commands SET state = :state, exit_code = :exit, started_at = :started, "
        + "ended_at = :ended, stdout_bytes = :out, stderr_bytes = :err, shell_restarted = :restarted, timed_out = :timedOut, "
        + "signal = :signal, reason = :reason WHERE id = :id"), c).execute());
  }

  /** Marks a queued command running; a command that ended meanwhile stays ended. */
  void markRunning(ShellCommand c) {
    store.writeOne(h -> h.createUpdate("UPDATE shell_commands SET state = 'running', started_at = :started WHERE id = :id AND state = 'queued'")
        .bind("id", c.id()).bind("started", c.startedAt().map(Instant::toEpochMilli).orElse(null)).execute());
  }

  private static org.jdbi.v3.core.statement.Update bindCommand(org.jdbi.v3.core.statement.Update u, ShellCommand c) {
    return u.bind("id", c.id()).bind("session", c.sessionId()).bind("sbx", c.sandboxId()).bind("seq", c.seq())
        .bind("command", c.command()).bind("state", c.state().wire()).bind("exit", c.exitCode().orElse(null))
        .bind("stdin", c.stdinMode()).bind("timeout", c.timeoutMs().orElse(null)).bind("submitted", c.submittedAt().toEpochMilli())
        .bind("started", c.startedAt().map(Instant::toEpochMilli).orElse(null))
        .bind("ended", c.endedAt().map(Instant::toEpochMilli).orElse(null)).bind("out", c.stdoutBytes()).bind("err", c.stderrBytes())
        .bind("restarted", c.shellRestarted() ? 1 : 0).bind("timedOut", c.timedOut() ? 1 : 0).bind("signal", c.signal().orElse(null))
        .bind("reason", c.reason().orElse(null));
  }

  Optional<ShellCommand> command(String id) {
    return store.read(h -> h.createQuery("SELECT " + COMMAND_COLS + " FROM shell_commands WHERE id = :id").bind("id", id)
        .map((rs, ctx) -> command(rs)).findOne());
  }

  List<ShellCommand> commands(String sessionId, int limit) {
    return store.read(h -> h.createQuery("SELECT " + COMMAND_COLS + " FROM shell_commands WHERE session_id = :s ORDER BY seq DESC LIMIT :l")
        .bind("s", sessionId).bind("l", limit).map((rs, ctx) -> command(rs)).list());
  }

  List<ShellCommand> unfinished(String sessionId) {
    return store.read(h -> h.createQuery("SELECT " + COMMAND_COLS + " FROM shell_commands WHERE session_id = :s "
            + "AND state IN ('queued', 'running') ORDER BY seq").bind("s", sessionId).map((rs, ctx) -> command(rs)).list());
  }

  private static Optional<Instant> time(ResultSet rs, String col) throws SQLException {
    long v = rs.getLong(col);
    return rs.wasNull() ? Optional.empty() : Optional.of(Instant.ofEpochMilli(v));
  }

  private static ShellSession session(ResultSet rs) throws SQLException {
    Map<String, String> env = new LinkedHashMap<>();
    JSON.readTree(rs.getString("env")).properties().forEach(e -> env.put(e.getKey(), e.getValue().asString()));
    long pid = rs.getLong("pid");
    Optional<Long> p = rs.wasNull() ? Optional.empty() : Optional.of(pid);
    return new ShellSession(rs.getString("id"), rs.getString("sandbox_id"), rs.getLong("generation"),
        SessionState.parse(rs.getString("state")), Optional.ofNullable(rs.getString("state_reason")), p, env,
        Optional.ofNullable(rs.getString("cwd")), Instant.ofEpochMilli(rs.getLong("created_at")), time(rs, "ended_at"));
  }

  private static ShellCommand command(ResultSet rs) throws SQLException {
    int exit = rs.getInt("exit_code");
    Optional<Integer> code = rs.wasNull() ? Optional.empty() : Optional.of(exit);
    long timeout = rs.getLong("timeout_ms");
    Optional<Long> t = rs.wasNull() ? Optional.empty() : Optional.of(timeout);
    return new ShellCommand(rs.getString("id"), rs.getString("session_id"), rs.getString("sandbox_id"), rs.getLong("seq"),
        rs.getString("command"), CommandState.parse(rs.getString("state")), code, rs.getString("stdin_mode"), t,
        Instant.ofEpochMilli(rs.getLong("submitted_at")), time(rs, "started_at"), time(rs, "ended_at"), rs.getLong("stdout_bytes"),
        rs.getLong("stderr_bytes"), rs.getInt("shell_restarted") == 1, rs.getInt("timed_out") == 1,
        Optional.ofNullable(rs.getString("signal")), Optional.ofNullable(rs.getString("reason")));
  }
}
