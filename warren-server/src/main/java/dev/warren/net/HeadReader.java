package dev.warren.net;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Optional;

/**
 * Reads one HTTP/1.x head from a socket under a size limit and an overall deadline (not a per-read
 * timeout, so a client dripping a byte at a time cannot hold a connection open). Bytes that arrived
 * after the head are returned as {@code leftover} for the caller to relay.
 */
final class HeadReader {

  record Result(HttpHead head, byte[] leftover) {}

  private HeadReader() {}

  /**
   * @return empty when the peer closed the connection before sending a byte
   * @throws Refusal 431 past {@code limit} bytes, 408 past the deadline, 400 when malformed or cut off
   */
  static Optional<Result> read(Socket socket, Duration timeout, int limit)
      throws IOException, Refusal {
    long deadline = System.nanoTime() + timeout.toNanos();
    InputStream in = socket.getInputStream();
    byte[] buf = new byte[Math.min(limit, 8192)];
    int len = 0;
    int scanned = 0;
    int previousTimeout = socket.getSoTimeout();
    try {
      while (true) {
        int end = headEnd(buf, scanned, len);
        if (end >= 0) {
          HttpHead head;
          try {
            head = HttpHead.parse(new String(buf, 0, end, StandardCharsets.ISO_8859_1));
          } catch (IllegalArgumentException e) {
            throw new Refusal(400, "malformed request head: " + e.getMessage());
          }
          return Optional.of(new Result(head, Arrays.copyOfRange(buf, end, len)));
        }
        scanned = Math.max(0, len - 3);
        if (len == limit) {
          throw new Refusal(431, "request head larger than " + limit / 1024 + " KiB");
        }
        if (len == buf.length) {
          buf = Arrays.copyOf(buf, Math.min(limit, buf.length * 2));
        }
        long remainingMillis = (deadline - System.nanoTime()) / 1_000_000;
        if (remainingMillis <= 0) {
          throw timedOut(timeout);
        }
        socket.setSoTimeout((int) Math.min(Integer.MAX_VALUE, remainingMillis));
        int n;
        try {
          n = in.read(buf, len, buf.length - len);
        } catch (SocketTimeoutException e) {
          throw timedOut(timeout);
        }
        if (n < 0) {
          if (len == 0) {
            return Optional.empty();
          }
          throw new Refusal(400, "connection closed in the middle of the request head");
        }
        len += n;
      }
    } finally {
      if (!socket.isClosed()) {
        socket.setSoTimeout(previousTimeout);
      }
    }
  }

  /** The index just past the blank line ending the head, or -1. */
  private static int headEnd(byte[] buf, int from, int len) {
    for (int i = from; i < len; i++) {
      if (buf[i] != '\n' || i == 0) {
        continue;
      }
      if (buf[i - 1] == '\n') {
        return i + 1;
      }
      if (buf[i - 1] == '\r' && i >= 2 && buf[i - 2] == '\n') {
        return i + 1;
      }
    }
    return -1;
  }

  private static Refusal timedOut(Duration timeout) {
    return new Refusal(408, "request head not received within " + timeout.toSeconds() + " s");
  }
}
