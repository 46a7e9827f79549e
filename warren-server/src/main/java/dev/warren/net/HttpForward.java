package dev.warren.net;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * The two directions of one plain (non-CONNECT) request relayed by the proxy. Towards the
 * destination: exactly the request's body as {@link RequestBody} frames it; whatever the client sends
 * after it (a pipelined request, smuggled bytes) is read and dropped, never forwarded, because the
 * proxy checked only the first request. Towards the client: the answer, whole. An upgrade request
 * (WebSocket) turns both directions into a raw tunnel once the destination answers {@code 101};
 * with any other final answer the client's later bytes stay dropped.
 */
final class HttpForward {

  private static final int BUFFER = 16 * 1024;
  private static final int HEAD_LIMIT = 64 * 1024;

  private HttpForward() {}

  static Relay.Plan plan(ProxyRequest request, byte[] leftover, byte[] fromDestination, SecretFilter.Secret secret) {
    CompletableFuture<Boolean> upgraded = new CompletableFuture<>();
    boolean upgrade = request.wantsUpgrade();
    Relay.Pump outbound = (from, to) -> {
      InputStream in = new BufferedInputStream(from, BUFFER);
      request.body().copy(in, to);
      if (upgrade && awaitUpgrade(upgraded)) {
        Relay.copyAll(in, to);
      } else {
        drop(in);
      }
    };
    Relay.Pump inbound = (from, to) -> {
      try {
        if (upgrade) {
          InputStream in = new BufferedInputStream(from, BUFFER);
          upgraded.complete(relayHeads(in, to));
          Relay.copyAll(in, to);
        } else {
          Relay.copyAll(from, to);
        }
      } finally {
        upgraded.complete(false);
      }
    };
    return new Relay.Plan(leftover, outbound, fromDestination, secret.guard(inbound), !upgrade);
  }

  private static boolean awaitUpgrade(CompletableFuture<Boolean> upgraded) throws IOException {
    try {
      return upgraded.get();
    } catch (ExecutionException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while waiting for the answer to an upgrade", e);
    }
  }

  /** Reads and discards the rest of the client's input: bytes after the request are never forwarded. */
  private static void drop(InputStream in) throws IOException {
    byte[] buf = new byte[BUFFER];
    while (in.read(buf) >= 0) {
      // dropped
    }
  }

  /** Relays the answer's heads up to the final one; true when it is 101 Switching Protocols. */
  private static boolean relayHeads(InputStream in, OutputStream out) throws IOException {
    while (true) {
      byte[] head = head(in);
      out.write(head);
      out.flush();
      int status = status(head);
      if (status == 101) {
        return true;
      }
      if (status < 100 || status >= 200) {
        return false;
      }
    }
  }

  private static byte[] head(InputStream in) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream(256);
    int newlines = 0;
    while (newlines < 2 && head.size() < HEAD_LIMIT) {
      int b = in.read();
      if (b < 0) {
        break;
      }
      head.write(b);
      if (b == '\n') {
        newlines++;
      } else if (b != '\r') {
        newlines = 0;
      }
    }
    return head.toByteArray();
  }

  private static int status(byte[] head) {
    String line = new String(head, 0, Math.min(head.length, 16), StandardCharsets.ISO_8859_1);
    if (!line.startsWith("HTTP/1.") || line.length() < 12 || line.charAt(8) != ' ') {
      return -1;
    }
    try {
      return Integer.parseInt(line.substring(9, 12));
    } catch (NumberFormatException e) {
      return -1;
    }
  }
}
