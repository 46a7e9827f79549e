package dev.warren.client;

import java.lang.System.Logger.Level;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/** {@link Browser} over HTTP. The cached info sits in an atomic reference; thread-safe. */
final class HttpBrowser implements Browser {

  private static final System.Logger LOG = System.getLogger("dev.warren.client");

  private final HttpTransport transport;
  private final String id;
  private final String path;
  private final boolean owning;
  private final boolean reused;
  private final AtomicReference<BrowserInfo> info;
  private final AtomicBoolean closed = new AtomicBoolean();
  private final HttpBrowserActions actions;

  HttpBrowser(HttpTransport transport, String id, BrowserInfo info, boolean owning, boolean reused) {
    this.transport = transport;
    this.id = id;
    this.path = "/v1/browsers/" + id;
    this.owning = owning;
    this.reused = reused;
    this.info = new AtomicReference<>(info);
    this.actions = new HttpBrowserActions(transport, path + "/actions/", this::ensureOpen);
  }

  @Override
  public String id() {
    return id;
  }

  @Override
  public BrowserInfo info() {
    ensureOpen();
    BrowserInfo known = info.get();
    return known != null ? known : refresh();
  }

  @Override
  public BrowserInfo refresh() {
    ensureOpen();
    return remember(transport.sendJson(Call.get(path), BrowserWire::browser));
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
  public BrowserInfo keepalive() {
    ensureOpen();
    return remember(transport.sendJson(Call.post(path + "/keepalive", Call.Retry.IDEMPOTENT), BrowserWire::browser));
  }

  @Override
  public BrowserInfo restart() {
    ensureOpen();
    // A repeated restart restarts once more, which leaves the session as one would.
    var call = Call.post(path + "/restart", Call.Retry.IDEMPOTENT).timeout(HttpBrowsers.startTimeout(transport));
    return remember(transport.sendJson(call, BrowserWire::browser));
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
      // saving a profile means a clean Chromium exit and a tar of its directory: give it time
      transport.send(Call.delete(path).timeout(HttpBrowsers.startTimeout(transport)));
      LOG.log(Level.DEBUG, "closed browser session {0}", id);
    } catch (NotFoundException alreadyGone) {
      LOG.log(Level.DEBUG, "browser session {0} was already gone", id);
    }
  }

  private BrowserInfo remember(BrowserInfo latest) {
    info.set(latest);
    return latest;
  }

  private void ensureOpen() {
    if (closed.get()) throw new IllegalStateException("browser handle " + id + " is closed");
  }

  @Override
  public String toString() {
    return "Browser[" + id + (owning ? ", owning" : "") + (closed.get() ? ", closed" : "") + "]";
  }
}
