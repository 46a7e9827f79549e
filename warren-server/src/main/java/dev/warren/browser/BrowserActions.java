package dev.warren.browser;

import dev.warren.error.Problem;
import dev.warren.error.WarrenException;
import dev.warren.net.EgressProxy;
import java.time.Duration;
import java.util.Base64;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Simple actions for agents that do not speak CDP: navigate, wait for a selector, click, type,
 * evaluate JavaScript, page content, screenshot and PDF, on the session's first page (made when
 * there is none). Each action is a short CDP conversation through the same DevTools endpoint the
 * proxy uses; it counts as activity.
 */
public final class BrowserActions {
  private final BrowserService browsers;

  public BrowserActions(BrowserService browsers) {
    this.browsers = browsers;
  }

  private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(BrowserActions.class);
  private static final long SLOW_NANOS = 2_000_000_000L;

  private static long ms(long nanos) {
    return nanos / 1_000_000;
  }

  /**
   * Loads {@code url} and waits for its load event (or DOMContentLoaded); returns {url, title,
   * status} (status: of the main document's answer, absent for about: and data: URLs). A page
   * Warren's egress proxy answered instead of the site (a refusal) is a 409 naming the URL, the
   * status and the proxy's reason.
   */
  public ObjectNode navigate(String id, String url, boolean domContentLoaded, Duration timeout) {
    if (!url.matches("(?i)(https?|about|data):.*")) {
      throw WarrenException.invalid("url", "url must be http(s), about: or data:, got '" + url + "'");
    }
    long t0 = System.nanoTime();
    try (PageSession p = PageSession.open(browsers, id, timeout)) {
      long t1 = System.nanoTime();
      p.call("Page.enable", null, timeout);
      p.call("Network.enable", null, timeout);
      long t2 = System.nanoTime();
      CompletableFuture<Void> loaded = new CompletableFuture<>();
      String event = domContentLoaded ? "Page.domContentEventFired" : "Page.loadEventFired";
      java.util.Map<String, JsonNode> documents = new java.util.concurrent.ConcurrentHashMap<>();
      p.cdp().onEvent(e -> {
        if (!p.sessionId().equals(e.path("sessionId").asString())) {
          return;
        }
        if (event.equals(e.path("method").asString())) {
          loaded.complete(null);
        } else if ("Network.responseReceived".equals(e.path("method").asString()) && "Document".equals(e.path("params").path("type").asString())) {
          documents.put(e.path("params").path("loaderId").asString(), e.path("params"));
        }
      });
      JsonNode r = p.call("Page.navigate", CdpClient.params().put("url", url), timeout);
      long t3 = System.nanoTime();
      if (r.hasNonNull("errorText")) {
        String error = r.get("errorText").asString();
        throw new BrowserException(Problem.CONFLICT, "navigation to " + url + " failed: " + error
            + (error.contains("TUNNEL_CONNECTION_FAILED") ? " (Warren's egress proxy refused the connection: is the host in the session's "
                + "egress allow list? GET /v1/sandboxes/{sandboxId}/egress says)" : ""));
      }
      try {
        loaded.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      } catch (Exception e) {
        throw new BrowserException(Problem.CONFLICT, "the page at " + url + " did not finish loading within " + timeout.toSeconds() + " s");
      }
      long t4 = System.nanoTime();
      JsonNode document = documents.get(r.path("loaderId").asString());
      if (document != null && document.path("response").path("headers").propertyNames().stream()
          .anyMatch(h -> h.equalsIgnoreCase(EgressProxy.ANSWERED_HEADER))) {
        throw new BrowserException(Problem.CONFLICT, "Warren's egress proxy refused " + url + " (it answered "
            + document.path("response").path("status").asInt() + " instead of the site): " + proxyReason(p, document, timeout)
            + "; is the host in the session's egress allow list?");
      }
      ObjectNode title = (ObjectNode) evaluateIn(p, "({url: location.href, title: document.title})", timeout);
      if (document != null) {
        title.put("status", document.path("response").path("status").asInt());
      }
      long t5 = System.nanoTime();
      if (t5 - t0 > SLOW_NANOS) {
        // slow to reach the page (Warren and Chromium: an overloaded host) is worth a warning; a slow site is not
        String m = "slow navigate of {} ({} ms): DevTools connect and attach {} ms, Page.enable {} ms, Page.navigate {} ms, load event {} ms,"
            + " reading the title {} ms";
        Object[] args = {id, ms(t5 - t0), ms(t1 - t0), ms(t2 - t1), ms(t3 - t2), ms(t4 - t3), ms(t5 - t4)};
        if (t2 - t0 > SLOW_NANOS) {
          log.warn(m, args);
        } else {
          log.info(m, args);
        }
      }
      return title;
    }
  }

  /** The text the egress proxy answered with (its reason), or a note that it could not be read. */
  private static String proxyReason(PageSession p, JsonNode document, Duration timeout) {
    try {
      return p.call("Network.getResponseBody", CdpClient.params().put("requestId", document.path("requestId").asString()), timeout)
          .path("body").asString().strip();
    } catch (RuntimeException e) {
      return "(its reason could not be read: " + e.getMessage() + ")";
    }
  }

  public JsonNode evaluate(String id, String expression, Duration timeout) {
    try (PageSession p = PageSession.open(browsers, id, timeout)) {
      return evaluateIn(p, expression, timeout);
    }
  }

  static JsonNode evaluateIn(PageSession p, String expression, Duration timeout) {
    JsonNode r = p.call("Runtime.evaluate", CdpClient.params().put("expression", expression).put("returnByValue", true)
        .put("awaitPromise", true), timeout);
    if (r.has("exceptionDetails")) {
      throw new BrowserException(Problem.CONFLICT, "the script threw: " + r.path("exceptionDetails").path("exception")
          .path("description").asString(r.path("exceptionDetails").path("text").asString()));
    }
    return r.path("result").path("value");
  }

  /** Waits until {@code selector} matches an element; false after {@code timeout}. */
  public boolean waitFor(String id, String selector, Duration timeout) {
    try (PageSession p = PageSession.open(browsers, id, timeout)) {
      return waitIn(p, selector, timeout);
    }
  }

  static boolean waitIn(PageSession p, String selector, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    String js = "!!document.querySelector(" + quote(selector) + ")";
    do {
      if (evaluateIn(p, js, Duration.ofSeconds(5)).asBoolean()) {
        return true;
      }
      BrowserService.sleep(50);
    } while (System.nanoTime() < deadline);
    return false;
  }

  /** Clicks the centre of the first element matching {@code selector}, as a user would. */
  public void click(String id, String selector, Duration timeout) {
    try (PageSession p = PageSession.open(browsers, id, timeout)) {
      if (!waitIn(p, selector, timeout)) {
        throw new BrowserException(Problem.CONFLICT, "no element matches " + selector + " within " + timeout.toSeconds() + " s");
      }
      JsonNode box = evaluateIn(p, "(() => { const e = document.querySelector(" + quote(selector) + "); e.scrollIntoView({block: 'center'});"
          + " const r = e.getBoundingClientRect(); return {x: r.x + r.width / 2, y: r.y + r.height / 2}; })()", timeout);
      for (String type : new String[] {"mouseMoved", "mousePressed", "mouseReleased"}) {
        ObjectNode ev = CdpClient.params().put("type", type).put("x", box.path("x").asDouble()).put("y", box.path("y").asDouble());
        if (!type.equals("mouseMoved")) {
          ev.put("button", "left").put("clickCount", 1);
        }
        p.call("Input.dispatchMouseEvent", ev, timeout);
      }
    }
  }

  /** Focuses the element (when a selector is given) and types {@code text} into it. */
  public void type(String id, Optional<String> selector, String text, Duration timeout) {
    try (PageSession p = PageSession.open(browsers, id, timeout)) {
      if (selector.isPresent()) {
        if (!waitIn(p, selector.get(), timeout)) {
          throw new BrowserException(Problem.CONFLICT, "no element matches " + selector.get() + " within " + timeout.toSeconds() + " s");
        }
        evaluateIn(p, "document.querySelector(" + quote(selector.get()) + ").focus()", timeout);
      }
      p.call("Input.insertText", CdpClient.params().put("text", text), timeout);
    }
  }

  /** The page as HTML ({@code html}) or as its visible text ({@code text}). */
  public String content(String id, boolean html, Duration timeout) {
    return evaluate(id, html ? "document.documentElement.outerHTML" : "document.body ? document.body.innerText : ''", timeout).asString();
  }

  public byte[] screenshot(String id, boolean fullPage, Duration timeout) {
    try (PageSession p = PageSession.open(browsers, id, timeout)) {
      ObjectNode params = CdpClient.params().put("format", "png").put("captureBeyondViewport", fullPage);
      return Base64.getDecoder().decode(p.call("Page.captureScreenshot", params, timeout).path("data").asString());
    }
  }

  public byte[] pdf(String id, Duration timeout) {
    try (PageSession p = PageSession.open(browsers, id, timeout)) {
      return Base64.getDecoder().decode(p.call("Page.printToPDF", CdpClient.params().put("printBackground", true), timeout)
          .path("data").asString());
    } catch (BrowserException e) {
      throw new BrowserException(Problem.CONFLICT, "cannot print to PDF (only headless browsers can): " + e.getMessage(), e);
    }
  }

  static String quote(String s) {
    StringBuilder b = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      switch (c) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        case '\n' -> b.append("\\n");
        case '\r' -> b.append("\\r");
        case '\u2028' -> b.append("\\u2028");
        case '\u2029' -> b.append("\\u2029");
        default -> b.append(c);
      }
    }
    return b.append('"').toString();
  }
}
