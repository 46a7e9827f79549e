package dev.warren.net;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/** A test client speaking raw bytes to the proxy, every read bounded by a five-second timeout. */
final class RawClient implements AutoCloseable {

  final Socket socket;
  private final InputStream in;

  RawClient(InetSocketAddress proxy) throws IOException {
    socket = new Socket();
    socket.connect(proxy, 5_000);
    socket.setSoTimeout(5_000);
    in = socket.getInputStream();
  }

  RawClient send(String text) throws IOException {
    return send(text.getBytes(StandardCharsets.ISO_8859_1));
  }

  RawClient send(byte[] bytes) throws IOException {
    socket.getOutputStream().write(bytes);
    socket.getOutputStream().flush();
    return this;
  }

  /** Sends {@code CONNECT target} and returns the answer's head. */
  String connect(String target) throws IOException {
    send("CONNECT " + target + " HTTP/1.1\r\nHost: " + target + "\r\n\r\n");
    return readHead();
  }

  /** Reads up to and including the blank line that ends a head, byte by byte. */
  String readHead() throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    int state = 0;
    while (state < 4) {
      int b = in.read();
      if (b < 0) {
        break;
      }
      head.write(b);
      state = switch (state) {
        case 0, 2 -> b == '\r' ? state + 1 : 0;
        case 1, 3 -> b == '\n' ? state + 1 : (b == '\r' ? 1 : 0);
        default -> 0;
      };
    }
    return head.toString(StandardCharsets.ISO_8859_1);
  }

  byte[] readExactly(int n) throws IOException {
    return in.readNBytes(n);
  }

  /** Everything until the proxy closes the connection. */
  String readToEnd() throws IOException {
    return new String(in.readAllBytes(), StandardCharsets.UTF_8);
  }

  int read() throws IOException {
    return in.read();
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
