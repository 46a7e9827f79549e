package dev.warren.preview;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Copies message bodies without holding them whole: exactly n bytes, chunked framing (decoded or
 * encoded), or everything to the end. Output is flushed whenever the input has nothing more
 * buffered, so a server's events reach the caller as they are sent.
 */
final class Bodies {
  private static final int BUFFER = 64 * 1024;

  private Bodies() {}

  /** Copies until the end of {@code in}; returns the bytes copied. */
  static long all(InputStream in, OutputStream out) throws IOException {
    byte[] buf = new byte[BUFFER];
    long n = 0;
    for (int r; (r = in.read(buf)) >= 0; ) {
      out.write(buf, 0, r);
      n += r;
      if (in.available() == 0) {
        out.flush();
      }
    }
    out.flush();
    return n;
  }

  /** Copies exactly {@code length} bytes; an end before them is an error. */
  static void exactly(InputStream in, OutputStream out, long length) throws IOException {
    byte[] buf = new byte[BUFFER];
    long left = length;
    while (left > 0) {
      int r = in.read(buf, 0, (int) Math.min(buf.length, left));
      if (r < 0) {
        throw new IOException("the body ended after " + (length - left) + " of " + length + " bytes");
      }
      out.write(buf, 0, r);
      left -= r;
      if (in.available() == 0) {
        out.flush();
      }
    }
    out.flush();
  }

  /** Copies a chunked body, decoded: what {@code out} receives is the payload (trailers are dropped). */
  static void dechunk(InputStream in, OutputStream out) throws IOException {
    while (true) {
      String size = line(in);
      int semi = size.indexOf(';');
      long n;
      try {
        n = Long.parseLong((semi >= 0 ? size.substring(0, semi) : size).strip(), 16);
      } catch (NumberFormatException e) {
        throw new IOException("malformed chunk size '" + size + "'");
      }
      if (n == 0) {
        while (!line(in).isEmpty()) {
          // trailer fields end at the blank line
        }
        out.flush();
        return;
      }
      exactly(in, out, n);
      if (!line(in).isEmpty()) {
        throw new IOException("a chunk was not followed by CRLF");
      }
    }
  }

  /** Copies everything from {@code in} to {@code out} in chunked framing, ending with the last chunk. */
  static void chunk(InputStream in, OutputStream out) throws IOException {
    byte[] buf = new byte[BUFFER];
    for (int r; (r = in.read(buf)) >= 0; ) {
      if (r == 0) {
        continue;
      }
      out.write((Integer.toHexString(r) + "\r\n").getBytes(StandardCharsets.US_ASCII));
      out.write(buf, 0, r);
      out.write('\r');
      out.write('\n');
      if (in.available() == 0) {
        out.flush();
      }
    }
    out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
    out.flush();
  }

  private static String line(InputStream in) throws IOException {
    StringBuilder b = new StringBuilder();
    for (int c; (c = in.read()) != '\n'; ) {
      if (c < 0) {
        throw new IOException("the body ended in the middle of its chunked framing");
      }
      if (b.length() > 4096) {
        throw new IOException("a chunk line longer than 4 KiB");
      }
      if (c != '\r') {
        b.append((char) c);
      }
    }
    return b.toString();
  }
}
