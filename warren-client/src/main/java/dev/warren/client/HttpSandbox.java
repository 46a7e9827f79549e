package dev.warren.client;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/** {@link Sandbox} over HTTP. The cached info sits in an atomic reference; thread-safe. */
final class HttpSandbox implements Sandbox {

  private static final System.Logger LOG = System.getLogger("dev.warren.client");
  /** Exec's HTTP timeout is the command's own plus this margin for start-up and the answer. */
  static final Duration EXEC_MARGIN = Duration.ofSeconds(30);

  private final HttpTransport transport;
  private final String id;
  private final String path;
  private final boolean owning;
  private final AtomicReference<SandboxInfo> info;
  private final AtomicBoolean closed = new AtomicBoolean();
  private final HttpSandboxFiles files;
  private final HttpSessions sessions;

  HttpSandbox(HttpTransport transport, String id, SandboxInfo info, boolean owning) {
    this.transport = transport;
    this.id = id;
    this.path = "/v1/sandboxes/" + id;
    this.owning = owning;
    this.info = new AtomicReference<>(info);
    this.files = new HttpSandboxFiles(transport, path, this::ensureOpen);
    this.sessions = new HttpSessions(transport, id, this::ensureOpen);
  }

  @Override
  public String id() {
    return id;
  }

  @Override
  public SandboxInfo info() {
    ensureOpen();
    SandboxInfo known = info.get();
    return known != null ? known : refresh();
  }

  @Override
  public SandboxInfo refresh() {
    ensureOpen();
    return remember(transport.sendJson(Call.get(path), Wire::sandbox));
  }

  @Override
  public ExecResult exec(String command) {
    return exec(ExecRequest.command(command));
  }

  @Override
  public ExecResult exec(ExecRequest request) {
    Objects.requireNonNull(request, "request");
    ensureOpen();
    var call = Call.post(path + "/exec", Call.Retry.BEFORE_SEND)
        .json(Wire.exec(request))
        .timeout(Duration.ofSeconds(request.timeoutSeconds()).plus(EXEC_MARGIN));
    return transport.sendJson(call, Wire::execResult);
  }

  @Override
  public SandboxFiles files() {
    return files;
  }

  @Override
  public Sessions sessions() {
    return sessions;
  }

  @Override
  public SandboxInfo stop() {
    return lifecycle("stop");
  }

  @Override
  public SandboxInfo start() {
    return lifecycle("start");
  }

  @Override
  public SandboxInfo restart() {
    return lifecycle("restart");
  }

  private SandboxInfo lifecycle(String action) {
    ensureOpen();
    // Stop, start and restart are idempotent on the server, so they are retried like reads.
    return remember(transport.sendJson(Call.post(path + "/" + action, Call.Retry.IDEMPOTENT), Wire::sandbox));
  }

  @Override
  public List<EgressEvent> egressEvents(int limit) {
    if (limit < 1) throw new IllegalArgumentException("limit must be at least 1, got " + limit);
    ensureOpen();
    return transport.sendJson(Call.get(path + "/egress?limit=" + limit), Wire::egressEvents);
  }

  @Override
  public boolean deletesOnClose() {
    return owning;
  }

  @Override
  public void delete() {
    ensureOpen();
    if (closed.compareAndSet(false, true)) deleteIfPresent();
  }

  @Override
  public void close() {
    if (closed.compareAndSet(false, true) && owning) deleteIfPresent();
  }

  private void deleteIfPresent() {
    try {
      transport.send(Call.delete(path));
      LOG.log(Level.DEBUG, "deleted sandbox {0}", id);
    } catch (NotFoundException alreadyGone) {
      LOG.log(Level.DEBUG, "sandbox {0} was already deleted", id);
    }
  }

  private SandboxInfo remember(SandboxInfo latest) {
    info.set(latest);
    return latest;
  }

  private void ensureOpen() {
    if (closed.get()) throw new IllegalStateException("sandbox handle " + id + " is closed");
  }

  @Override
  public String toString() {
    return "Sandbox[" + id + (owning ? ", owning" : "") + (closed.get() ? ", closed" : "") + "]";
  }
}
