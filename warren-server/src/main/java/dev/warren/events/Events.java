package dev.warren.events;

import dev.warren.error.Ids;
import dev.warren.store.Store;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The event log: life-cycle steps of sandboxes, sessions and browsers, kept in the store and logged
 * as one structured line each ({@code msg=event kind=… subject=… ms=… detail=…}). Thread-safe. Recording never fails the operation it describes.
 */
public final class Events {
  private static final Logger log = LoggerFactory.getLogger("events");
  private final Store store;

  public Events(Store store) {
    this.store = store;
  }

  public void record(String kind, String subject, String detail) {
    record(kind, subject, detail, null);
  }

  /** Records an event that took {@code took} (logged as {@code ms=}); null when it has no duration. */
  public void record(String kind, String subject, String detail, java.time.Duration took) {
    Event e = new Event(Ids.next("evt"), Instant.now(), kind, Optional.ofNullable(subject), detail);
    var line = log.atInfo().addKeyValue("kind", kind);
    if (subject != null) {
      line = line.addKeyValue("subject", subject);
    }
    if (took != null) {
      line = line.addKeyValue("ms", took.toMillis());
    }
    line.addKeyValue("detail", detail).log("event");
    try {
      store.writeOne(h -> h.createUpdate("INSERT INTO events (id, at, kind, subject, detail) VALUES (:id, :at, :kind, :subject, :detail)")
          .bind("id", e.id()).bind("at", e.at().toEpochMilli()).bind("kind", kind).bind("subject", subject)
          .bind("detail", detail).execute());
    } catch (RuntimeException ex) {
      log.warn("cannot store event {} {}: {}", kind, subject, ex.getMessage());
    }
  }

  /** Newest first; {@code subject} filters to one sandbox, session or browser. */
  public List<Event> list(Optional<String> subject, int limit) {
    return store.read(h -> {
      var q = h.createQuery("SELECT id, at, kind, subject, detail FROM events"
          + (subject.isPresent() ? " WHERE subject = :subject" : "") + " ORDER BY at DESC, id DESC LIMIT :limit");
      subject.ifPresent(s -> q.bind("subject", s));
      return q.bind("limit", limit).map((rs, ctx) -> new Event(rs.getString("id"), Instant.ofEpochMilli(rs.getLong("at")),
          rs.getString("kind"), Optional.ofNullable(rs.getString("subject")), rs.getString("detail"))).list();
    });
  }
}
