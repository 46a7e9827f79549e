package dev.warren.client;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/** {@link Sandbox} over HTTP. The cached info sits in an atomic reference; thread-safe. */
final class HttpSandbox extends HttpHandle<SandboxInfo> implements Sandbox {

  /** Exec's HTTP timeout is the command's own plus this margin for start-up and the answer. */
  static final Duration EXEC_MARGIN = Duration.ofSeconds(30);

  private final HttpSandboxFiles files;
  private final HttpSessions sessions;

  HttpSandbox(HttpTransport transport, String id, SandboxInfo info, boolean owning) {
    super(transport, "Sandbox", id, "/v1/sandboxes/" + id, info, owning, Wire::sandbox);
    this.files = new HttpSandboxFiles(transport, path, this::ensureOpen);
    this.sessions = new HttpSessions(transport, id, this::ensureOpen);
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

  @Override
  public SandboxInfo pause() {
    return lifecycle("pause");
  }

  @Override
  public SandboxInfo resume() {
    return lifecycle("resume");
  }

  @Override
  public SnapshotInfo snapshot(String name) {
    ensureOpen();
    var body = new java.util.LinkedHashMap<String, Object>();
    if (name != null) body.put("name", HttpSnapshots.ref(name));
    // two snapshots from a retried call would be two layers: retried only when the request never left
    return transport.sendJson(Call.post(path + "/snapshots", Call.Retry.BEFORE_SEND).json(body), SnapshotInfo::fromJson);
  }

  @Override
  public List<Sandbox> fork(int count, java.util.Map<String, String> labels) {
    Objects.requireNonNull(labels, "labels");
    if (count < 1 || count > 50) throw new IllegalArgumentException("count must be between 1 and 50, got " + count);
    ensureOpen();
    var body = new java.util.LinkedHashMap<String, Object>();
    body.put("count", count);
    if (!labels.isEmpty()) body.put("labels", labels);
    return transport.sendJson(Call.post(path + "/fork", Call.Retry.BEFORE_SEND).json(body).timeout(Duration.ofMinutes(5)),
        json -> JsonFields.of(json, "fork").list("sandboxes").stream()
            .map(Wire::sandbox).map(info -> (Sandbox) new HttpSandbox(transport, info.id(), info, true)).toList());
  }

  private SandboxInfo lifecycle(String action) {
    ensureOpen();
    // Stop, start, restart, pause and resume are idempotent on the server, so they are retried like reads.
    return remember(transport.sendJson(Call.post(path + "/" + action, Call.Retry.IDEMPOTENT), Wire::sandbox));
  }

  @Override
  public List<EgressEvent> egressEvents(int limit) {
    if (limit < 1) throw new IllegalArgumentException("limit must be at least 1, got " + limit);
    ensureOpen();
    return transport.sendJson(Call.get(path + "/egress?limit=" + limit), Wire::egressEvents);
  }

  @Override
  public List<ListeningPort> ports() {
    ensureOpen();
    return transport.sendJson(Call.get(path + "/ports"), Wire::listeningPorts);
  }

  @Override
  public PreviewUrl mintPreviewUrl(int port, PreviewUrl.Access access, Duration ttl) {
    Objects.requireNonNull(access, "access");
    Objects.requireNonNull(ttl, "ttl");
    if (ttl.toSeconds() < 1) throw new IllegalArgumentException("ttl must be at least 1 s, got " + ttl);
    ensureOpen();
    // minting twice makes two URLs: retried only when the request never left
    return transport.sendJson(Call.post(portPath(port) + "/url", Call.Retry.BEFORE_SEND)
        .json(java.util.Map.of("access", access.wire(), "ttlSeconds", ttl.toSeconds())), Wire::previewUrl);
  }

  @Override
  public List<PreviewUrl> previewUrls(int port) {
    ensureOpen();
    return transport.sendJson(Call.get(portPath(port) + "/url"), Wire::previewUrls);
  }

  @Override
  public boolean revokePreviewUrl(int port, String urlId) {
    Urls.id("preview URL", urlId);
    ensureOpen();
    try {
      transport.send(Call.delete(portPath(port) + "/url/" + urlId));
      return true;
    } catch (NotFoundException e) {
      return false;
    }
  }

  @Override
  public Computer desktop() {
    return new HttpComputer(transport, path + "/desktop/actions", this::ensureOpen, java.util.Optional.empty());
  }

  private String portPath(int port) {
    if (port < 1 || port > 65535) throw new IllegalArgumentException("port must be 1-65535, got " + port);
    return path + "/ports/" + port;
  }
}
