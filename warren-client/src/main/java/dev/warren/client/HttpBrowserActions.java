package dev.warren.client;

import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/** {@link BrowserActions} of one session over HTTP; each method one call. Thread-safe. */
final class HttpBrowserActions implements BrowserActions {

  /** An action's HTTP timeout is its own plus this margin, for attaching to the page and the answer. */
  static final Duration MARGIN = Duration.ofSeconds(30);

  private final HttpTransport transport;
  private final String path;
  private final Runnable ensureOpen;

  HttpBrowserActions(HttpTransport transport, String path, Runnable ensureOpen) {
    this.transport = transport;
    this.path = path;
    this.ensureOpen = ensureOpen;
  }

  @Override
  public Navigation navigate(String url, WaitUntil until, Duration timeout) {
    Objects.requireNonNull(url, "url");
    Objects.requireNonNull(until, "until");
    String wire = until == WaitUntil.LOAD ? "load" : "domcontentloaded";
    // loading the same URL again leaves the page as one load would
    var call = call("navigate", Call.Retry.IDEMPOTENT, Json.members("url", url, "waitUntil", wire), timeout);
    return transport.sendJson(call, BrowserWire::navigation);
  }

  @Override
  public boolean waitFor(String selector, Duration timeout) {
    var call = call("waitFor", Call.Retry.IDEMPOTENT, Map.of("selector", selector(selector)), timeout);
    return transport.sendJson(call, json -> JsonFields.of(json, "answer").bool("found", false));
  }

  @Override
  public void click(String selector, Duration timeout) {
    transport.send(call("click", Call.Retry.BEFORE_SEND, Map.of("selector", selector(selector)), timeout));
  }

  @Override
  public void type(String selector, String text, Duration timeout) {
    Objects.requireNonNull(text, "text");
    transport.send(call("type", Call.Retry.BEFORE_SEND, Json.members("selector", selector(selector), "text", text), timeout));
  }

  @Override
  public void typeIntoFocused(String text) {
    Objects.requireNonNull(text, "text");
    transport.send(call("type", Call.Retry.BEFORE_SEND, Map.of("text", text), DEFAULT_TIMEOUT));
  }

  @Override
  public UploadedFile upload(String selector, String sandboxPath, Duration timeout) {
    Objects.requireNonNull(sandboxPath, "sandboxPath");
    // choosing the same file again leaves the input as one choice would
    var call = call("upload", Call.Retry.IDEMPOTENT, Json.members("selector", selector(selector), "path", sandboxPath), timeout);
    return transport.sendJson(call, BrowserWire::uploaded);
  }

  @Override
  public UploadedFile upload(String selector, String fileName, byte[] content, Duration timeout) {
    Objects.requireNonNull(fileName, "fileName");
    Objects.requireNonNull(content, "content");
    var call = call("upload", Call.Retry.IDEMPOTENT, Json.members("selector", selector(selector), "name", fileName, "content",
        java.util.Base64.getEncoder().encodeToString(content)), timeout);
    return transport.sendJson(call, BrowserWire::uploaded);
  }

  @Override
  public Object evaluate(String expression, Duration timeout) {
    Objects.requireNonNull(expression, "expression");
    if (expression.isBlank()) throw new IllegalArgumentException("expression must not be blank");
    var call = call("evaluate", Call.Retry.BEFORE_SEND, Map.of("expression", expression), timeout);
    return transport.sendJson(call, json -> JsonFields.of(json, "answer").members().get("value"));
  }

  @Override
  public String content(ContentFormat format, Duration timeout) {
    Objects.requireNonNull(format, "format");
    var call = call("content", Call.Retry.IDEMPOTENT, Map.of("format", format.name().toLowerCase(Locale.ROOT)), timeout);
    return transport.sendJson(call, json -> JsonFields.of(json, "answer").optString("content").orElse(""));
  }

  @Override
  public byte[] screenshot(boolean fullPage, Duration timeout) {
    return transport.send(call("screenshot", Call.Retry.IDEMPOTENT, Map.of("fullPage", fullPage), timeout)).body();
  }

  @Override
  public byte[] pdf(Duration timeout) {
    return transport.send(call("pdf", Call.Retry.IDEMPOTENT, Map.of(), timeout)).body();
  }

  private Call call(String action, Call.Retry retry, Map<String, Object> members, Duration timeout) {
    Objects.requireNonNull(timeout, "timeout");
    if (timeout.isNegative() || timeout.isZero()) throw new IllegalArgumentException("timeout must be positive, got " + timeout);
    ensureOpen.run();
    return Call.post(path + action, retry)
        .json(BrowserWire.action(members, timeout))
        .timeout(Duration.ofSeconds(BrowserWire.seconds(timeout)).plus(MARGIN));
  }

  private static String selector(String selector) {
    Objects.requireNonNull(selector, "selector");
    if (selector.isBlank()) throw new IllegalArgumentException("selector must not be blank");
    return selector;
  }
}
