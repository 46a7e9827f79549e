package dev.warren.browser;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * One call of Chromium's DevTools HTTP endpoints ({@code /json/version}, {@code /json/list}, …) on a
 * connection of its own, closed after the answer. Chromium keeps every connection open whatever
 * the request says, and sandbox addresses are reused at once: a pooled connection could point at a
 * deleted sandbox, and each one kept open holds a forwarder process in the sandbox. The answers
 * are small and rare, so a fresh connection costs nothing worth pooling for.
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

  static Answer get(String address, int port, String path, Duration timeout) {
    String where = address + ":" + port;
    try {
      Raw r = send(address, port, "GET", path, timeout);
      if (r.status() != 200) {
        return Answer.failed("DevTools at " + where + " answered " + path + " with HTTP " + r.status());
      }
      return new Answer(Optional.of(JSON.readTree(r.body())), "");
    } catch (SocketTimeoutException e) {
      return Answer.failed("DevTools at " + where + " did not answer " + path + " within " + timeout.toMillis() + " ms");
    } catch (IOException e) {
      return Answer.failed(e.getMessage().startsWith("DevTools") ? e.getMessage() : "cannot reach DevTools at " + where + ": " + e.getMessage());
    } catch (RuntimeException e) {
      return Answer.failed("DevTools at " + where + " answered " + path + " with something that is not JSON: " + e.getMessage());
    }
  }

  /** One request ({@code GET}, or {@code PUT} for {@code /json/new}) and its whole answer. */
  static Raw send(String address, int port, String method, String path, Duration timeout) throws IOException {
    long deadline = System.nanoTime() + timeout.toNanos();
    String where = address + ":" + port;
    try (Socket s = new Socket()) {
      s.setTcpNoDelay(true);
      s.connect(new InetSocketAddress(address, port), millisLeft(deadline));
      s.setSoTimeout(millisLeft(deadline));
      s.getOutputStream().write((method + " " + path + " HTTP/1.1\r\nHost: " + where + "\r\nContent-Length: 0\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      InputStream in = s.getInputStream();
      String head = readHead(in);
      int status = status(head);
      int length = contentLength(head);
      if (length < 0 || length > MAX_BODY) {
        throw new IOException("DevTools at " + where + " answered " + path + " without a usable Content-Length");
      }
      byte[] body = in.readNBytes(length);
      if (body.length < length) {
        throw new IOException("DevTools at " + where + " closed the connection in the middle of its answer to " + path);
      }
      return new Raw(status, body);
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
  private static String readHead(InputStream in) throws IOException {
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

  private static int status(String head) throws IOException {
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

  private static int contentLength(String head) {
    for (String line : head.split("\r\n")) {
      int colon = line.indexOf(':');
      if (colon > 0 && line.substring(0, colon).trim().toLowerCase(Locale.ROOT).equals("content-length")) {
        try {
          return Integer.parseInt(line.substring(colon + 1).trim());
        } catch (NumberFormatException e) {
          return -1;
        }
      }
    }
    return -1;
  }
}
