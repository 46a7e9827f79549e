package dev.warren.browser;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * One call of Chromium's DevTools HTTP endpoints ({@code /json/version}, {@code /json/list},
 * {@code PUT /json/new}, …) on a connection of its own (opened by the runtime inside the browser's
 * sandbox), closed after the answer: Chromium keeps every connection open whatever the request
 * says, and the answers are small and rare, so a fresh connection costs nothing worth pooling for.
 * Also the few bits of HTTP/1.1 head parsing the DevTools WebSocket handshake needs. Stateless.
 */
final class DevtoolsHttp {
  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final int MAX_BODY = 4 << 20;

  private DevtoolsHttp() {}

  /** The JSON answer, or why there is none (for error messages). */
  record Answer(Optional<JsonNode> json, String failure) {
    static Answer failed(String why) {
      return new Answer(Optional.empty(), why);
    }
  }

  /** An answer as it came: status and body (Chromium answers some calls with text, e.g. {@code /json/close}). */
  record Raw(int status, byte[] body) {}

  /** GETs {@code path} over {@code channel} (connected, blocking), which it closes; {@code where} names it in failures. */
  static Answer get(SocketChannel channel, String where, String path, Duration timeout) {
    try {
      Raw r = send(channel, where, "GET", path, timeout);
      if (r.status() != 200) {
        return Answer.failed("DevTools of " + where + " answered " + path + " with HTTP " + r.status());
      }
      return new Answer(Optional.of(JSON.readTree(r.body())), "");
    } catch (SocketTimeoutException e) {
      return Answer.failed("DevTools of " + where + " did not answer " + path + " within " + timeout.toMillis() + " ms");
    } catch (IOException e) {
      return Answer.failed(e.getMessage().startsWith("DevTools") ? e.getMessage() : "cannot reach DevTools of " + where + ": " + e.getMessage());
    } catch (RuntimeException e) {
      return Answer.failed("DevTools of " + where + " answered " + path + " with something that is not JSON: " + e.getMessage());
    }
  }

  /** One request ({@code GET}, or {@code PUT} for {@code /json/new}) over {@code channel}, which it closes, and its whole answer. */
  static Raw send(SocketChannel channel, String where, String method, String path, Duration timeout) throws IOException {
    long deadline = System.nanoTime() + timeout.toNanos();
    try (SocketChannel ch = channel) {
      Socket s = ch.socket();
      s.setSoTimeout(millisLeft(deadline));
      // Chromium answers only a Host that is an address or localhost (its guard against DNS rebinding)
      s.getOutputStream().write((method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      InputStream in = new BufferedInputStream(s.getInputStream());
      String head = readHead(in);
      int status = status(head);
      int length = header(head, "content-length").map(DevtoolsHttp::parseLength).orElse(-1);
      if (length < 0 || length > MAX_BODY) {
        throw new IOException("DevTools of " + where + " answered " + path + " without a usable Content-Length");
      }
      byte[] body = in.readNBytes(length);
      if (body.length < length) {
        throw new IOException("DevTools of " + where + " closed the connection in the middle of its answer to " + path);
      }
      return new Raw(status, body);
    }
  }

  private static int parseLength(String value) {
    try {
      return Integer.parseInt(value);
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  private static int millisLeft(long deadline) throws SocketTimeoutException {
    long left = (deadline - System.nanoTime()) / 1_000_000;
    if (left <= 0) {
      throw new SocketTimeoutException("deadline passed");
    }
    return (int) Math.min(Integer.MAX_VALUE, left);
  }

  /** The status line and headers, up to the empty line. */
  static String readHead(InputStream in) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream(256);
    int matched = 0;
    while (matched < 4) {
      int c = in.read();
      if (c < 0) {
        throw new IOException("the connection closed before an answer");
      }
      head.write(c);
      matched = c == (matched % 2 == 0 ? '\r' : '\n') ? matched + 1 : c == '\r' ? 1 : 0;
      if (head.size() > 64 << 10) {
        throw new IOException("the answer's headers are larger than 64 KiB");
      }
    }
    return head.toString(StandardCharsets.ISO_8859_1);
  }

  static int status(String head) throws IOException {
    String[] first = head.substring(0, head.indexOf('\r')).split(" ", 3);
    if (first.length < 2 || !first[0].startsWith("HTTP/")) {
      throw new IOException("not an HTTP answer: " + first[0]);
    }
    try {
      return Integer.parseInt(first[1]);
    } catch (NumberFormatException e) {
      throw new IOException("not an HTTP status: " + first[1]);
    }
  }

  /** The value of the first header {@code name} (lower case) in {@code head}. */
  static Optional<String> header(String head, String name) {
    for (String line : head.split("\r\n")) {
      int colon = line.indexOf(':');
      if (colon > 0 && line.substring(0, colon).trim().toLowerCase(Locale.ROOT).equals(name)) {
        return Optional.of(line.substring(colon + 1).trim());
      }
    }
    return Optional.empty();
  }
}
