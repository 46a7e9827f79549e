package dev.warren.api;

import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import tools.jackson.databind.JsonNode;

/**
 * What one CDP client made in a shared browser, learnt from the frames the proxy relays: the
 * targets ({@code Target.createTarget}) and browser contexts ({@code Target.createBrowserContext})
 * Chromium made for it, and whether it set a download behaviour of its own. Its {@code
 * Browser.close} closes these instead of the browser. Only frames that name those methods are
 * parsed; the rest pass by with a substring test.
 *
 * <p>Thread-safe: the client's frames are read on Javalin's thread, Chromium's answers on the
 * DevTools reader thread.
 */
final class CdpClientState {
  private static final Set<String> CREATES = Set.of("Target.createTarget", "Target.createBrowserContext");

  /** Request ids of the client's creates, waiting for their answers, by id. */
  private final Map<Long, String> asked = new ConcurrentHashMap<>();
  final Set<String> targets = ConcurrentHashMap.newKeySet();
  final Set<String> contexts = ConcurrentHashMap.newKeySet();
  volatile boolean setDownloads;
  /** Set by the first end of the client's link that restores Warren's download behaviour. */
  final java.util.concurrent.atomic.AtomicBoolean restoring = new java.util.concurrent.atomic.AtomicBoolean();

  /** A frame of the client's Browser.close, to be answered and not relayed; notes its creates. */
  Optional<JsonNode> fromClient(String text) {
    if (!text.contains("Browser.") && !text.contains("Target.create")) {
      return Optional.empty();
    }
    JsonNode m;
    try {
      m = Json.MAPPER.readTree(text);
    } catch (RuntimeException e) {
      return Optional.empty(); // not ours to judge: Chromium answers it
    }
    String method = m.path("method").asString("");
    if (CREATES.contains(method) && m.has("id")) {
      asked.put(m.path("id").asLong(), method);
    } else if (method.equals("Browser.setDownloadBehavior")) {
      setDownloads = true;
    } else if (method.equals("Browser.close")) {
      return Optional.of(m);
    }
    return Optional.empty();
  }

  /** A frame from Chromium: an answer to one of the client's creates is noted. */
  void fromBrowser(String text) {
    if (asked.isEmpty() || !text.startsWith("{\"id\":")) {
      return;
    }
    int end = 6;
    while (end < text.length() && Character.isDigit(text.charAt(end))) {
      end++;
    }
    if (end == 6) {
      return;
    }
    String method = asked.remove(Long.parseLong(text.substring(6, end)));
    if (method == null) {
      return;
    }
    JsonNode result = Json.MAPPER.readTree(text).path("result");
    if (method.equals("Target.createTarget") && result.has("targetId")) {
      targets.add(result.path("targetId").asString());
    } else if (result.has("browserContextId")) {
      contexts.add(result.path("browserContextId").asString());
    }
  }

  /** The answer Chromium would give to {@code close}: an empty result, on its session if it named one. */
  static String answer(JsonNode close) {
    var out = Json.object().put("id", close.path("id").asLong());
    out.putObject("result");
    if (close.hasNonNull("sessionId")) {
      out.put("sessionId", close.path("sessionId").asString());
    }
    return out.toString();
  }
}
