package dev.warren.client;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;

/** {@link Browsers} over HTTP. Stateless apart from the shared transport; thread-safe. */
final class HttpBrowsers implements Browsers {

  private static final System.Logger LOG = System.getLogger("dev.warren.client");
  /**
   * Starting Chromium takes about a second, but loading a large profile or a busy host can take far
   * longer, so its wait is generous.
   */
  static final Duration START_TIMEOUT = Duration.ofMinutes(3);

  private final HttpTransport transport;

  HttpBrowsers(HttpTransport transport) {
    this.transport = transport;
  }

  @Override
  public Browser create(BrowserSpec spec) {
    Objects.requireNonNull(spec, "spec");
    // One Idempotency-Key per logical create: every retry carries it, so the server starts one
    // browser and answers each retry with it (as 201, the first attempt's answer).
    var call = Call.post("/v1/browsers", Call.Retry.IDEMPOTENT).json(BrowserWire.spec(spec)).idempotencyKey(UUID.randomUUID().toString())
        .timeout(startTimeout(transport));
    HttpTransport.Reply reply = transport.send(call);
    BrowserInfo info = HttpTransport.decode(call, reply, BrowserWire::browser);
    boolean reused = reply.status() == 200;
    LOG.log(Level.DEBUG, "{0} browser session {1}{2}", reused ? "reused" : "created", info.id(),
        info.key().map(k -> " (key " + k + ")").orElse(""));
    return new HttpBrowser(transport, info.id(), info, true, reused);
  }

  static Duration startTimeout(HttpTransport transport) {
    Duration configured = transport.requestTimeout();
    return configured.compareTo(START_TIMEOUT) > 0 ? configured : START_TIMEOUT;
  }

  @Override
  public Optional<Browser> get(String id) {
    Urls.id("browser", id);
    try {
      BrowserInfo info = transport.sendJson(Call.get("/v1/browsers/" + id), BrowserWire::browser);
      return Optional.of(new HttpBrowser(transport, id, info, false, false));
    } catch (NotFoundException e) {
      return Optional.empty();
    }
  }

  @Override
  public List<Browser> list() {
    return transport.sendJson(Call.get("/v1/browsers"), BrowserWire::browsers).stream()
        .map(info -> (Browser) new HttpBrowser(transport, info.id(), info, false, false))
        .toList();
  }

  @Override
  public boolean delete(String id) {
    Urls.id("browser", id);
    try {
      transport.send(Call.delete("/v1/browsers/" + id));
      return true;
    } catch (NotFoundException e) {
      return false;
    }
  }

  @Override
  public int deleteByKeyPrefix(String keyPrefix) {
    Objects.requireNonNull(keyPrefix, "keyPrefix");
    // an empty prefix would close every session: make that a deliberate deleteAll()
    if (keyPrefix.isEmpty()) throw new IllegalArgumentException("keyPrefix must not be empty; use deleteAll()");
    return closeMany("/v1/browsers?keyPrefix=" + Urls.queryValue(keyPrefix));
  }

  @Override
  public int deleteAll() {
    return closeMany("/v1/browsers?all=true");
  }

  /** The server closes one session after another, each saving its profile: allow for that. */
  private int closeMany(String pathAndQuery) {
    return transport.sendJson(Call.delete(pathAndQuery).timeout(startTimeout(transport)), BrowserWire::closed);
  }

  @Override
  public Browser attach(String id) {
    return attach(id, false);
  }

  @Override
  public Browser attach(String id, boolean deleteOnClose) {
    return new HttpBrowser(transport, Urls.id("browser", id), null, deleteOnClose, false);
  }
}
