package dev.warren.preview;

import dev.warren.error.Problem;
import dev.warren.error.WarrenException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/** The status line and header fields of the previewed app's answer, read from its connection. Immutable. */
record AppResponse(int status, List<String[]> headers) {
  static final int MAX_HEAD = 64 * 1024;

  /** The app closed the connection before the first byte of an answer (a kept connection it had just closed, or a crash): 502. */
  static final class NoAnswer extends WarrenException {
    NoAnswer(String message) {
      super(Problem.BAD_GATEWAY, message);
    }
  }

  Optional<String> header(String name) {
    return headers.stream().filter(h -> h[0].equalsIgnoreCase(name)).map(h -> h[1]).findFirst();
  }

  boolean chunked() {
    return header("Transfer-Encoding").map(v -> v.toLowerCase(Locale.ROOT).contains("chunked")).orElse(false);
  }

  /**
   * Reads one response head; interim answers (100 Continue, 103 Early Hints) are skipped, 101 is not.
   *
   * @param where "port 8000 of sandbox sbx_…", for the messages
   * @throws WarrenException 502 when the app closes the connection without answering, or answers something that is not HTTP/1.x
   */
  static AppResponse read(InputStream in, String where) throws IOException {
    while (true) {
      List<String> lines = new ArrayList<>();
      ByteArrayOutputStream line = new ByteArrayOutputStream(128);
      int total = 0;
      while (true) {
        int b;
        try {
          b = in.read();
        } catch (SocketTimeoutException e) {
          throw new WarrenException(Problem.BAD_GATEWAY, where + " did not answer in time");
        }
        if (b < 0 && total == 0) {
          throw new NoAnswer(where + " closed the connection without an answer");
        }
        if (b < 0) {
          throw new WarrenException(Problem.BAD_GATEWAY, where + " closed the connection in the middle of its answer's head");
        }
        if (++total > MAX_HEAD) {
          throw new WarrenException(Problem.BAD_GATEWAY, where + " sent a response head larger than " + MAX_HEAD / 1024 + " KiB");
        }
        if (b == '\n') {
          String l = line.toString(StandardCharsets.ISO_8859_1);
          line.reset();
          l = l.endsWith("\r") ? l.substring(0, l.length() - 1) : l;
          if (l.isEmpty()) {
            break;
          }
          lines.add(l);
        } else {
          line.write(b);
        }
      }
      AppResponse r = parse(lines, where);
      if (r.status >= 100 && r.status < 200 && r.status != 101) {
        continue;
      }
      return r;
    }
  }

  private static AppResponse parse(List<String> lines, String where) {
    String[] start = lines.getFirst().split(" ", 3);
    if (start.length < 2 || !start[0].startsWith("HTTP/1.") || !start[1].matches("[1-5][0-9][0-9]")) {
      throw new WarrenException(Problem.BAD_GATEWAY, where + " does not speak HTTP/1.x (its answer began '"
          + lines.getFirst().substring(0, Math.min(40, lines.getFirst().length())) + "')");
    }
    List<String[]> headers = new ArrayList<>();
    for (String l : lines.subList(1, lines.size())) {
      int colon = l.indexOf(':');
      if (colon <= 0) {
        throw new WarrenException(Problem.BAD_GATEWAY, where + " sent a malformed header line");
      }
      headers.add(new String[] {l.substring(0, colon).strip(), l.substring(colon + 1).strip()});
    }
    return new AppResponse(Integer.parseInt(start[1]), List.copyOf(headers));
  }
}
