package dev.warren.net;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The head of an HTTP/1.x message: its start line and its header fields in arrival order, names as
 * sent. Immutable.
 */
record HttpHead(String startLine, List<Header> headers) {

  record Header(String name, String value) {
    boolean is(String other) {
      return name.equalsIgnoreCase(other);
    }
  }

  HttpHead {
    headers = List.copyOf(headers);
  }

  /**
   * Parses a head (ISO-8859-1 text, lines ending in CRLF or LF, blank line excluded).
   *
   * @throws IllegalArgumentException with a short reason when it is not well-formed HTTP/1.x
   */
  static HttpHead parse(String text) {
    List<String> lines = new ArrayList<>(Arrays.asList(text.split("\r?\n", -1)));
    while (!lines.isEmpty() && lines.getFirst().isEmpty()) {
      lines.removeFirst(); // RFC 9112 section 2.2: ignore empty lines before the start line
    }
    while (!lines.isEmpty() && lines.getLast().isEmpty()) {
      lines.removeLast();
    }
    if (lines.isEmpty()) {
      throw new IllegalArgumentException("empty request");
    }
    for (String line : lines) {
      if (line.indexOf('\r') >= 0 || line.indexOf('\0') >= 0) {
        throw new IllegalArgumentException("stray CR or NUL in the head");
      }
    }
    List<Header> headers = new ArrayList<>(lines.size() - 1);
    for (String line : lines.subList(1, lines.size())) {
      if (line.startsWith(" ") || line.startsWith("\t")) {
        throw new IllegalArgumentException("folded header line");
      }
      int colon = line.indexOf(':');
      if (colon <= 0 || !isToken(line.substring(0, colon))) {
        throw new IllegalArgumentException("malformed header line");
      }
      headers.add(new Header(line.substring(0, colon), line.substring(colon + 1).strip()));
    }
    return new HttpHead(lines.getFirst(), headers);
  }

  /** The start line split on single spaces; a request line has three parts. */
  List<String> startLineParts() {
    return List.of(startLine.split(" ", -1));
  }

  Optional<String> first(String name) {
    return headers.stream().filter(h -> h.is(name)).map(Header::value).findFirst();
  }

  /** The comma-separated tokens of every field with this name, lower-cased (e.g. Connection). */
  List<String> tokens(String name) {
    return headers.stream()
        .filter(h -> h.is(name))
        .flatMap(h -> Arrays.stream(h.value().split(",")))
        .map(t -> t.strip().toLowerCase(Locale.ROOT))
        .filter(t -> !t.isEmpty())
        .toList();
  }

  static boolean isToken(String s) {
    if (s.isEmpty()) {
      return false;
    }
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
          || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
      if (!ok) {
        return false;
      }
    }
    return true;
  }
}
