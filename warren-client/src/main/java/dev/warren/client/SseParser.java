package dev.warren.client;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * Reads Server-Sent Events from a byte stream, as the HTML standard's event-stream parser does:
 * lines end with LF, CR or CRLF; {@code data} lines of one event are joined with LF; lines
 * starting with {@code :} are comments; one space after the colon is dropped; a blank line
 * dispatches the event, and an event without data is not dispatched; an {@code id} containing NUL
 * is ignored, and the last id carries over to later events; an event cut off by the end of the
 * stream is dropped. Not thread-safe: one reader per stream.
 */
final class SseParser {

  /** One dispatched event; {@code type} is {@code message} unless the stream named it. */
  record Event(String type, String data, Optional<String> lastEventId) {}

  private static final int MAX_LINE = 16 * 1024 * 1024;

  private final InputStream in;
  private final byte[] buffer = new byte[64 * 1024];
  private int pos;
  private int limit;
  private boolean skipLf;
  private boolean firstLine = true;
  private String lastEventId;

  SseParser(InputStream in) {
    this.in = in;
  }

  /** The next event, or empty at the end of the stream. */
  Optional<Event> next() throws IOException {
    String type = "";
    StringBuilder data = null;
    String line;
    while ((line = readLine()) != null) {
      if (line.isEmpty()) {
        if (data == null) {
          type = "";
          continue;
        }
        return Optional.of(new Event(type.isEmpty() ? "message" : type, data.toString(),
            Optional.ofNullable(lastEventId)));
      }
      if (line.charAt(0) == ':') continue;
      int colon = line.indexOf(':');
      String field = colon < 0 ? line : line.substring(0, colon);
      String value = colon < 0 ? "" : line.substring(colon + (line.startsWith(" ", colon + 1) ? 2 : 1));
      switch (field) {
        case "event" -> type = value;
        case "data" -> data = data == null ? new StringBuilder(value) : data.append('\n').append(value);
        case "id" -> {
          if (value.indexOf('\0') < 0) lastEventId = value;
        }
        default -> {
          // "retry" and unknown fields: the follower keeps its own backoff
        }
      }
    }
    return Optional.empty();
  }

  /** A line without its end, decoded as UTF-8; {@code null} at the end (a line cut off by it too). */
  private String readLine() throws IOException {
    var line = new ByteArrayOutputStream();
    while (true) {
      if (pos == limit) {
        limit = in.read(buffer);
        pos = 0;
        if (limit < 0) {
          limit = 0;
          return null;
        }
      }
      if (skipLf) {
        skipLf = false;
        if (buffer[pos] == '\n') pos++;
        continue;
      }
      int start = pos;
      while (pos < limit && buffer[pos] != '\n' && buffer[pos] != '\r') pos++;
      line.write(buffer, start, pos - start);
      if (line.size() > MAX_LINE) throw new IOException("event-stream line longer than " + MAX_LINE + " bytes");
      if (pos < limit) {
        skipLf = buffer[pos] == '\r';
        pos++;
        return decode(line.toByteArray());
      }
    }
  }

  private String decode(byte[] bytes) {
    String text = new String(bytes, StandardCharsets.UTF_8);
    if (firstLine) {
      firstLine = false;
      if (text.startsWith("\uFEFF")) return text.substring(1);
    }
    return text;
  }
}
