package dev.warren.browser;

import dev.warren.runtime.GuestFiles;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import tools.jackson.databind.JsonNode;

/**
 * What each session's pages downloaded: Chromium's {@code Browser.downloadWillBegin} and
 * {@code Browser.downloadProgress} events (heard on the controller's own DevTools connection, see
 * {@link BrowserWatch}) joined with the files in {@link Chromium#DOWNLOADS}, so that a file whose
 * events were not heard (a download before a controller restart, one an outside client directed
 * there itself) is listed too, as complete.
 *
 * <p>Thread-safe: events arrive on DevTools reader threads, lists are asked for on API threads.
 * A session's events are forgotten when it closes.
 */
final class Downloads {
  /** A download heard of: guid → what is known. */
  private record Heard(String guid, String url, String suggested, Instant startedAt, long total, long received, String state,
      Optional<String> filePath) {}

  private final Map<String, Map<String, Heard>> bySession = new ConcurrentHashMap<>();

  /** A DevTools event of session {@code id}'s browser target; events other than downloads are ignored. */
  void event(String id, JsonNode e) {
    JsonNode p = e.path("params");
    String guid = p.path("guid").asString();
    switch (e.path("method").asString()) {
      case "Browser.downloadWillBegin" -> bySession.computeIfAbsent(id, k -> new ConcurrentHashMap<>()).put(guid,
          new Heard(guid, p.path("url").asString(), p.path("suggestedFilename").asString(), Instant.now(), 0, 0, "in-progress",
              Optional.empty()));
      case "Browser.downloadProgress" -> bySession.getOrDefault(id, Map.of()).computeIfPresent(guid, (k, h) -> new Heard(guid, h.url(),
          h.suggested(), h.startedAt(), p.path("totalBytes").asLong(h.total()), p.path("receivedBytes").asLong(h.received()),
          wire(p.path("state").asString()), Optional.ofNullable(p.path("filePath").asString(null)).filter(f -> !f.isEmpty())
              .or(h::filePath)));
      default -> {
        // not a download
      }
    }
  }

  private static String wire(String cdpState) {
    return switch (cdpState) {
      case "completed" -> "complete";
      case "canceled" -> "canceled";
      default -> "in-progress";
    };
  }

  void forget(String id) {
    bySession.remove(id);
  }

  /**
   * The session's downloads, oldest first: those heard of, then files in the directory that no
   * event named. {@code files} is the directory's listing (empty when it does not exist yet).
   */
  List<Download> list(String id, List<GuestFiles.Entry> files) {
    Map<String, GuestFiles.Entry> onDisk = new LinkedHashMap<>();
    for (GuestFiles.Entry f : files) {
      if (f.type().equals("file") && !f.name().endsWith(".crdownload")) {
        onDisk.put(f.name(), f);
      }
    }
    List<Download> out = new ArrayList<>();
    List<Heard> heard = new ArrayList<>(bySession.getOrDefault(id, Map.of()).values());
    heard.sort(Comparator.comparing(Heard::startedAt));
    for (Heard h : heard) {
      String name = h.filePath().map(f -> f.substring(f.lastIndexOf('/') + 1)).orElse(h.suggested());
      GuestFiles.Entry f = onDisk.remove(name);
      long size = h.state().equals("complete") && f != null ? f.size() : Math.max(h.received(), h.total());
      out.add(new Download(name, size, Optional.of(h.url()).filter(u -> !u.isEmpty()), h.state(), Optional.of(h.startedAt())));
    }
    for (GuestFiles.Entry f : onDisk.values()) {
      out.add(new Download(f.name(), f.size(), Optional.empty(), "complete", Optional.empty()));
    }
    return out;
  }
}
