package dev.warren.client;

/** {@link Browser} over HTTP. The cached info sits in an atomic reference; thread-safe. */
final class HttpBrowser extends HttpHandle<BrowserInfo> implements Browser {

  private final boolean reused;
  private final HttpBrowserActions actions;

  HttpBrowser(HttpTransport transport, String id, BrowserInfo info, boolean owning, boolean reused) {
    super(transport, "Browser", id, "/v1/browsers/" + id, info, owning, BrowserWire::browser);
    this.reused = reused;
    this.actions = new HttpBrowserActions(transport, path + "/actions/", this::ensureOpen);
  }

  @Override
  public boolean reused() {
    return reused;
  }

  @Override
  public String cdpUrl() {
    return version().webSocketDebuggerUrl();
  }

  @Override
  public BrowserVersion version() {
    ensureOpen();
    return transport.sendJson(Call.get(path + "/json/version"), BrowserWire::version);
  }

  @Override
  public BrowserActions actions() {
    return actions;
  }

  @Override
  public java.util.List<DownloadInfo> downloads() {
    ensureOpen();
    return transport.sendJson(Call.get(path + "/downloads"), BrowserWire::downloads);
  }

  @Override
  public byte[] download(String name) {
    java.util.Objects.requireNonNull(name, "name");
    if (name.isEmpty() || name.contains("/")) throw new IllegalArgumentException("name must be a file name, got '" + name + "'");
    ensureOpen();
    return transport.send(Call.get(path + "/downloads/" + Urls.queryValue(name))).body();
  }

  @Override
  public Computer computer() {
    return new HttpComputer(transport, path + "/actions", this::ensureOpen, java.util.Optional.empty());
  }

  @Override
  public BrowserInfo keepalive() {
    ensureOpen();
    return remember(transport.sendJson(Call.post(path + "/keepalive", Call.Retry.IDEMPOTENT), BrowserWire::browser));
  }

  @Override
  public BrowserInfo pause() {
    ensureOpen();
    return remember(transport.sendJson(Call.post(path + "/pause", Call.Retry.IDEMPOTENT), BrowserWire::browser));
  }

  @Override
  public BrowserInfo resume() {
    ensureOpen();
    return remember(transport.sendJson(Call.post(path + "/resume", Call.Retry.IDEMPOTENT), BrowserWire::browser));
  }

  @Override
  public BrowserInfo restart() {
    ensureOpen();
    // A repeated restart restarts once more, which leaves the session as one would.
    var call = Call.post(path + "/restart", Call.Retry.IDEMPOTENT).timeout(HttpBrowsers.startTimeout(transport));
    return remember(transport.sendJson(call, BrowserWire::browser));
  }

  @Override
  Call deleteCall() {
    // saving a profile means a clean Chromium exit and a tar of its directory: give it time
    return Call.delete(path).timeout(HttpBrowsers.startTimeout(transport));
  }
}
