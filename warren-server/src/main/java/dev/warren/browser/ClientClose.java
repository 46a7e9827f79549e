package dev.warren.browser;

import java.time.Duration;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;

/**
 * What a CDP client's {@code Browser.close} does to a shared session instead of ending Chromium
 * (Puppeteer's {@code browser.close()} sends it): the browser contexts and targets that client
 * made are closed, and the session's other pages, its other clients and Chromium go on. When no
 * page would be left, a blank one is opened first (a headed Chromium exits with its last window).
 * Stateless; thread-safe.
 */
public final class ClientClose {
  private static final Logger log = LoggerFactory.getLogger(ClientClose.class);
  private static final Duration STEP = Duration.ofSeconds(5);

  private final BrowserService browsers;

  public ClientClose(BrowserService browsers) {
    this.browsers = browsers;
  }

  /** Closes {@code contexts} and {@code targets} of session {@code id}; what is gone already is skipped. */
  public void close(String id, Set<String> targets, Set<String> contexts) {
    if (targets.isEmpty() && contexts.isEmpty()) {
      return;
    }
    try (CdpClient cdp = browsers.cdp(id, STEP)) {
      int left = 0;
      for (JsonNode t : cdp.call("Target.getTargets", null, STEP).path("targetInfos")) {
        if (t.path("type").asString().equals("page") && !targets.contains(t.path("targetId").asString())
            && !contexts.contains(t.path("browserContextId").asString())) {
          left++;
        }
      }
      if (left == 0) {
        cdp.call("Target.createTarget", CdpClient.params().put("url", "about:blank"), STEP);
      }
      for (String c : contexts) {
        quietly(cdp, "Target.disposeBrowserContext", CdpClient.params().put("browserContextId", c));
      }
      for (String t : targets) {
        quietly(cdp, "Target.closeTarget", CdpClient.params().put("targetId", t));
      }
      browsers.events().record("browser.client-closed", id, "a CDP client's Browser.close closed its " + targets.size() + " targets and "
          + contexts.size() + " browser contexts; the browser goes on");
    } catch (RuntimeException e) {
      log.info("cannot close the targets of a CDP client of {} that sent Browser.close: {}", id, e.getMessage());
    }
  }

  private static void quietly(CdpClient cdp, String method, tools.jackson.databind.node.ObjectNode params) {
    try {
      cdp.call(method, params, STEP);
    } catch (IllegalStateException e) {
      log.debug("{}: {}", method, e.getMessage()); // closed already (by the client, or with its context)
    }
  }
}
