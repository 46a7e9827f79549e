package dev.warren.client;

import java.lang.System.Logger.Level;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/** {@link Sessions} of one sandbox over HTTP. Stateless apart from the shared transport; thread-safe. */
final class HttpSessions implements Sessions {

  private static final System.Logger LOG = System.getLogger("dev.warren.client");

  private final HttpTransport transport;
  private final String sandboxId;
  private final String path;
  private final Runnable ensureOpen;

  HttpSessions(HttpTransport transport, String sandboxId, Runnable ensureOpen) {
    this.transport = transport;
    this.sandboxId = sandboxId;
    this.path = "/v1/sandboxes/" + sandboxId + "/sessions";
    this.ensureOpen = ensureOpen;
  }

  @Override
  public Session create(SessionSpec spec) {
    Objects.requireNonNull(spec, "spec");
    ensureOpen.run();
    // No idempotency key for sessions: once sent, a retry could start a second shell.
    var call = Call.post(path, Call.Retry.BEFORE_SEND).json(ShellWire.spec(spec));
    SessionInfo info = transport.sendJson(call, ShellWire::session);
    LOG.log(Level.DEBUG, "created session {0} in sandbox {1}", info.id(), sandboxId);
    return new HttpSession(transport, sandboxId, info.id(), true);
  }

  @Override
  public Optional<Session> get(String id) {
    Urls.id("session", id);
    ensureOpen.run();
    try {
      SessionInfo info = transport.sendJson(Call.get(path + "/" + id), ShellWire::session);
      return Optional.of(new HttpSession(transport, sandboxId, info.id(), false));
    } catch (NotFoundException e) {
      return Optional.empty();
    }
  }

  @Override
  public List<SessionInfo> list() {
    ensureOpen.run();
    return transport.sendJson(Call.get(path), ShellWire::sessions);
  }

  @Override
  public Session attach(String id) {
    ensureOpen.run();
    return new HttpSession(transport, sandboxId, id, false);
  }
}
