package dev.warren.net;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * How a plain request's body is framed, checked so that the proxy and the origin cannot disagree on
 * where it ends (request smuggling): one {@code Content-Length}, or {@code Transfer-Encoding:
 * chunked} alone, or no body. The proxy forwards exactly that body and re-frames it itself (its own
 * {@code Content-Length} or chunk sizes; chunk extensions and trailers are dropped), so whatever the
 * client sends after it never reaches the origin. Immutable.
 */
final class RequestBody {

  /** The client's body framing is broken part-way; the origin got an incomplete request. */
  static final class Malformed extends IOException {
    Malformed(String message) {
      super(message);
    }
  }

  private static final int LINE_LIMIT = 4096;
  private static final int TRAILER_LIMIT = 64 * 1024;
  private static final byte[] LAST_CHUNK = "0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1);

  private final boolean chunked;
  private final long length;

  private RequestBody(boolean chunked, long length) {
    this.chunked = chunked;
    this.length = length;
  }

  /** @throws Refusal 400 for ambiguous or invalid framing */
  static RequestBody of(HttpHead head, String version) throws Refusal {
    List<String> lengths = head.headers().stream().filter(h -> h.is("Content-Length")).map(HttpHead.Header::value).toList();
    List<String> codings = head.tokens("Transfer-Encoding");
    boolean hasCoding = head.headers().stream().anyMatch(h -> h.is("Transfer-Encoding"));
    if (hasCoding) {
      if (!lengths.isEmpty()) {
        throw new Refusal(400, "ambiguous request framing: both Content-Length and Transfer-Encoding");
      }
      if (version.equals("HTTP/1.0")) {
        throw new Refusal(400, "Transfer-Encoding in an HTTP/1.0 request");
      }
      if (!codings.equals(List.of("chunked"))) {
        throw new Refusal(400, "unsupported Transfer-Encoding " + codings + "; only chunked, once, is accepted");
      }
      return new RequestBody(true, -1);
    }
    if (lengths.size() > 1) {
      throw new Refusal(400, "ambiguous request framing: " + lengths.size() + " Content-Length fields");
    }
    if (lengths.isEmpty()) {
      return new RequestBody(false, 0);
    }
    String v = lengths.getFirst();
    if (v.isEmpty() || v.length() > 18 || !v.chars().allMatch(c -> c >= '0' && c <= '9')) {
      throw new Refusal(400, "invalid Content-Length '" + (v.length() > 20 ? v.substring(0, 20) + "…" : v) + "'");
    }
    return new RequestBody(false, Long.parseLong(v));
  }

  /** The framing field the proxy sends on, with its CRLF; empty when there is no body. */
  String header() {
    if (chunked) {
      return "Transfer-Encoding: chunked\r\n";
    }
    return length > 0 ? "Content-Length: " + length + "\r\n" : "";
  }

  boolean isEmpty() {
    return !chunked && length == 0;
  }

  /**
   * Copies exactly this body from {@code in} to {@code out}, leaving whatever follows unread.
   *
   * @throws Malformed when the chunked framing is broken or the client ends before the body does
   */
  void copy(InputStream in, OutputStream out) throws IOException {
    if (chunked) {
      copyChunked(in, out);
    } else {
      copyExactly(in, out, length);
    }
    out.flush();
  }

  private static void copyExactly(InputStream in, OutputStream out, long n) throws IOException {
    byte[] buf = new byte[(int) Math.min(16 * 1024, Math.max(1, n))];
    long left = n;
    while (left > 0) {
      int r = in.read(buf, 0, (int) Math.min(buf.length, left));
      if (r < 0) {
        throw new Malformed("the client closed the connection " + left + " bytes before the end of its request body");
      }
      out.write(buf, 0, r);
      left -= r;
    }
  }

  private static void copyChunked(InputStream in, OutputStream out) throws IOException {
    while (true) {
      long size = chunkSize(line(in, "chunk size"));
      if (size == 0) {
        int trailers = 0;
        String trailer;
        while (!(trailer = line(in, "trailer")).isEmpty()) { // trailers are dropped, never forwarded
          trailers += trailer.length() + 2;
          if (trailers > TRAILER_LIMIT) {
            throw new Malformed("request trailers larger than " + TRAILER_LIMIT / 1024 + " KiB");
          }
        }
        out.write(LAST_CHUNK);
        return;
      }
      out.write((Long.toHexString(size) + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
      copyExactly(in, out, size);
      if (!line(in, "chunk end").isEmpty()) {
        throw new Malformed("invalid chunked body: chunk data longer than its size");
      }
      out.write('\r');
      out.write('\n');
    }
  }

  /** chunk-size [ BWS ";" chunk-ext ]: hexadecimal digits only, at most 15 of them. */
  private static long chunkSize(String line) throws Malformed {
    int end = 0;
    while (end < line.length() && Character.digit(line.charAt(end), 16) >= 0) {
      end++;
    }
    String rest = line.substring(end).stripLeading();
    if (end == 0 || end > 15 || !(rest.isEmpty() || rest.startsWith(";"))) {
      throw new Malformed("invalid chunked body: bad chunk size line '" + shown(line) + "'");
    }
    return Long.parseLong(line.substring(0, end), 16);
  }

  /** A line ended by CRLF exactly (a bare CR or LF is an error), without its ending. */
  private static String line(InputStream in, String what) throws IOException {
    StringBuilder sb = new StringBuilder(16);
    while (true) {
      int c = in.read();
      if (c < 0) {
        throw new Malformed("the client closed the connection in the middle of its chunked body (" + what + ")");
      }
      if (c == '\r') {
        if (in.read() != '\n') {
          throw new Malformed("invalid chunked body: CR without LF in the " + what);
        }
        return sb.toString();
      }
      if (c == '\n' || c == 0) {
        throw new Malformed("invalid chunked body: bare LF or NUL in the " + what);
      }
      if (sb.length() >= LINE_LIMIT) {
        throw new Malformed("invalid chunked body: " + what + " line longer than " + LINE_LIMIT + " bytes");
      }
      sb.append((char) c);
    }
  }

  private static String shown(String line) {
    String s = line.length() > 40 ? line.substring(0, 40) + "…" : line;
    StringBuilder out = new StringBuilder();
    s.chars().forEach(c -> out.append(c >= 0x20 && c < 0x7f ? String.valueOf((char) c) : String.format("\\x%02x", c)));
    return out.toString();
  }
}
