package dev.warren.client;

import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;

/** {@link Session} over HTTP; its only state is whether it is closed. Thread-safe. */
final class HttpSession implements Session {

  private static final System.Logger LOG = System.getLogger("dev.warren.client");
  /** Setting the environment runs as a command the server waits up to a minute for. */
  private static final Duration ENV_TIMEOUT = Duration.ofSeconds(60).plus(HttpCommand.WAIT_MARGIN);

  private final HttpTransport transport;
  private final String sandboxId;
  private final String id;
  private final String path;
  private final boolean owning;
  private final AtomicBoolean closed = new AtomicBoolean();

  HttpSession(HttpTransport transport, String sandboxId, String id, boolean owning) {
    this.transport = transport;
    this.sandboxId = sandboxId;
    this.id = Urls.id("session", id);
    this.path = "/v1/sandboxes/" + sandboxId + "/sessions/" + id;
    this.owning = owning;
  }

  @Override
  public String id() {
    return id;
  }

  @Override
  public String sandboxId() {
    return sandboxId;
  }

  @Override
  public SessionInfo info() {
    ensureOpen();
    return transport.sendJson(Call.get(path), ShellWire::session);
  }

  @Override
  public CommandResult run(CommandRequest request) {
    Objects.requireNonNull(request, "request");
    ensureOpen();
    long start = System.nanoTime();
    Duration wait = request.effectiveWait();
    boolean inline = request.stdin().map(HttpSession::isUtf8).orElse(true);
    // The submit cannot be retried once sent, so it waits a minute at most; the rest of a longer
    // wait is spent in reads, which can be.
    Duration firstWait = inline ? shorter(wait, HttpCommand.MAX_WAIT_PER_CALL) : Duration.ZERO;
    CommandResult submitted = submit(request, firstWait, inline);
    Duration left = wait.minusNanos(System.nanoTime() - start);
    if (submitted.isDone() || firstWait.equals(wait) || left.isNegative() || left.isZero()) return submitted;
    return command(submitted.id()).await(left);
  }

  @Override
  public Command start(CommandRequest request) {
    Objects.requireNonNull(request, "request");
    ensureOpen();
    boolean inline = request.stdin().map(HttpSession::isUtf8).orElse(true);
    return command(submit(request, Duration.ZERO, inline).id());
  }

  /**
   * Submits a command. Input that is not UTF-8 cannot travel in the JSON body, so it goes through
   * the raw stdin call after a submit that answers at once.
   */
  private CommandResult submit(CommandRequest request, Duration wait, boolean inline) {
    var call = Call.post(path + "/commands", Call.Retry.BEFORE_SEND)
        .json(ShellWire.submit(request, wait, inline))
        .timeout(wait.plus(HttpCommand.WAIT_MARGIN));
    CommandResult result = transport.sendJson(call, ShellWire::commandResult);
    LOG.log(Level.DEBUG, "submitted {0} to session {1}: {2}", result.id(), id, result.state());
    if (!inline) {
      HttpCommand command = command(result.id());
      byte[] input = request.stdin().orElseThrow();
      if (request.keepStdinOpen()) {
        command.stdin(input);
      } else {
        command.stdinAndClose(input);
      }
    }
    return result;
  }

  private static Duration shorter(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }

  private static boolean isUtf8(byte[] bytes) {
    try {
      StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes));
      return true;
    } catch (CharacterCodingException e) {
      return false;
    }
  }

  @Override
  public HttpCommand command(String commandId) {
    ensureOpen();
    return new HttpCommand(transport, path, id, commandId, OutputFollower.IDLE_LIMIT);
  }

  @Override
  public List<CommandInfo> commands() {
    ensureOpen();
    return transport.sendJson(Call.get(path + "/commands"), ShellWire::commands);
  }

  @Override
  public SessionInfo setEnv(Map<String, String> vars) {
    Objects.requireNonNull(vars, "vars");
    vars.forEach((name, value) -> {
      checkName(name);
      if (value == null) throw new IllegalArgumentException("value of " + name + " must not be null; use unsetEnv");
    });
    return putEnv(new LinkedHashMap<>(vars));
  }

  @Override
  public SessionInfo unsetEnv(String... names) {
    Objects.requireNonNull(names, "names");
    var vars = new LinkedHashMap<String, String>();
    for (String name : names) vars.put(checkName(name), null);
    return putEnv(vars);
  }

  private SessionInfo putEnv(Map<String, String> vars) {
    if (vars.isEmpty()) throw new IllegalArgumentException("name at least one variable");
    ensureOpen();
    // Exporting the same values again leaves the shell as one export would, so a retry is safe.
    var call = Call.put(path + "/env", null, null).json(Map.of("vars", vars)).timeout(ENV_TIMEOUT);
    return transport.sendJson(call, ShellWire::session);
  }

  private static String checkName(String name) {
    if (name == null || name.isBlank() || name.indexOf('=') >= 0) {
      throw new IllegalArgumentException("variable name must be non-blank without '=', got '" + name + "'");
    }
    return name;
  }

  @Override
  public boolean deletesOnClose() {
    return owning;
  }

  @Override
  public void delete(boolean keepProcesses) {
    ensureOpen();
    if (closed.compareAndSet(false, true)) deleteIfPresent(keepProcesses);
  }

  @Override
  public void close() {
    if (closed.compareAndSet(false, true) && owning) deleteIfPresent(false);
  }

  private void deleteIfPresent(boolean keepProcesses) {
    try {
      transport.send(Call.delete(path + (keepProcesses ? "?keepProcesses=true" : "")));
      LOG.log(Level.DEBUG, "deleted session {0}", id);
    } catch (NotFoundException alreadyGone) {
      LOG.log(Level.DEBUG, "session {0} (or its sandbox) was already deleted", id);
    }
  }

  private void ensureOpen() {
    if (closed.get()) throw new IllegalStateException("session handle " + id + " is closed");
  }

  @Override
  public String toString() {
    return "Session[" + id + " in " + sandboxId + (owning ? ", owning" : "") + (closed.get() ? ", closed" : "") + "]";
  }
}
