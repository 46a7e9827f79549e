package dev.warren.browser;

import dev.warren.error.Problem;
import java.time.Duration;
import java.util.Optional;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * A page of a browser session, attached over a DevTools connection of its own for one action (the
 * simple actions, computer use). Owned by the thread running that action; closing it closes the
 * connection, not the page.
 */
record PageSession(CdpClient cdp, String sessionId) implements AutoCloseable {
  /** CDP errors and timeouts become 409 problems that say which step failed and why. */
  JsonNode call(String method, ObjectNode params, Duration timeout) {
    try {
      return cdp.call(method, params, Optional.of(sessionId), timeout);
    } catch (IllegalStateException e) {
      throw failed(method, e);
    }
  }

  @Override
  public void close() {
    cdp.close();
  }

  /**
   * A DevTools connection attached to the session's first page (made when there is none). Each
   * step may take the whole {@code timeout} the caller gave the action: a Chromium that just
   * started on a busy host can take seconds to answer, and that is not a failure the caller asked
   * for.
   */
  static PageSession open(BrowserService browsers, String id, Duration timeout) {
    CdpClient cdp;
    try {
      cdp = browsers.cdp(id, timeout);
    } catch (IllegalStateException e) {
      throw new BrowserException(Problem.UNAVAILABLE, "Chromium of " + id + " does not answer on DevTools within " + timeout.toSeconds()
          + " s; if it stays so, restart it with POST /v1/browsers/" + id + "/restart", e);
    }
    try {
      String target = null;
      for (JsonNode info : cdp.call("Target.getTargets", null, timeout).path("targetInfos")) {
        if (info.path("type").asString().equals("page")) {
          target = info.path("targetId").asString();
          break;
        }
      }
      if (target == null) {
        target = cdp.call("Target.createTarget", CdpClient.params().put("url", "about:blank"), timeout).path("targetId").asString();
      }
      String session = cdp.call("Target.attachToTarget", CdpClient.params().put("targetId", target).put("flatten", true),
          timeout).path("sessionId").asString();
      return new PageSession(cdp, session);
    } catch (RuntimeException e) {
      cdp.close();
      throw failed("attach to a page", e);
    }
  }

  static BrowserException failed(String what, RuntimeException e) {
    if (e instanceof BrowserException b) {
      return b;
    }
    return new BrowserException(Problem.CONFLICT, "cannot " + what + ": " + e.getMessage(), e);
  }
}
