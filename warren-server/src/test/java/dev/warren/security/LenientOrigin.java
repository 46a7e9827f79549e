package dev.warren.security;

import dev.warren.testing.OutsideHost;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * An origin on an {@link OutsideHost} of the kind request smuggling preys on: it serves every
 * request it can parse on a connection, one after the other (pipelining), whatever {@code
 * Connection: close} says, framing bodies by {@code Content-Length} or chunks, and answers each with
 * what it received, head included (as TRACE would). {@link #requests()} is every request it served.
 */
final class LenientOrigin implements AutoCloseable {

  /** A request as the origin understood it. */
  record Request(String method, String target, String head, String body) {}

  private final OutsideHost host;
  private final ServerSocket server;
  private final List<Request> requests = new CopyOnWriteArrayList<>();
  private final Set<Socket> open = ConcurrentHashMap.newKeySet();

  LenientOrigin(OutsideHost host) {
    this.host = host;
    this.server = host.serverSocket();
    Thread.ofVirtual().name("lenient-origin").start(this::acceptLoop);
  }

  /** {@code host:port}, as an allow entry or in a URL. */
  String target() {
    return host.target(server.getLocalPort());
  }

  List<Request> requests() {
    return List.copyOf(requests);
  }

  void clear() {
    requests.clear();
  }

  private void acceptLoop() {
    while (!server.isClosed()) {
      try {
        Socket s = server.accept();
        open.add(s);
        Thread.ofVirtual().start(() -> serve(s));
      } catch (IOException e) {
        // closed
      }
    }
  }

  private void serve(Socket socket) {
    try (socket) {
      socket.setSoTimeout(15_000);
      InputStream in = new BufferedInputStream(socket.getInputStream());
      OutputStream out = socket.getOutputStream();
      while (true) {
        String head = head(in);
        if (head == null) {
          return;
        }
        String[] lines = head.split("\r\n");
        String[] start = lines[0].split(" ");
        String body = body(in, lines);
        requests.add(new Request(start[0], start.length > 1 ? start[1] : "", head, body));
        byte[] answer = ("saw " + lines[0] + "\n" + head + "\n" + body).getBytes(StandardCharsets.ISO_8859_1);
        out.write(("HTTP/1.1 200 OK\r\nContent-Length: " + answer.length + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
        out.write(answer);
        out.flush();
      }
    } catch (IOException | RuntimeException e) {
      // a broken or cut request: nothing served for it
    } finally {
      open.remove(socket);
    }
  }

  private static String head(InputStream in) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    while (true) {
      int c = in.read();
      if (c < 0) {
        return null;
      }
      b.write(c);
      String s = b.toString(StandardCharsets.ISO_8859_1);
      if (s.endsWith("\r\n\r\n")) {
        return s.substring(0, s.length() - 4);
      }
    }
  }

  private static String body(InputStream in, String[] lines) throws IOException {
    long length = 0;
    boolean chunked = false;
    for (String l : lines) {
      String lower = l.toLowerCase(Locale.ROOT);
      if (lower.startsWith("content-length:")) {
        length = Long.parseLong(l.substring(15).strip());
      } else if (lower.startsWith("transfer-encoding:") && lower.contains("chunked")) {
        chunked = true;
      }
    }
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    if (!chunked) {
      body.write(in.readNBytes((int) length));
      if (body.size() < length) {
        throw new IOException("cut body");
      }
      return body.toString(StandardCharsets.ISO_8859_1);
    }
    while (true) {
      String size = line(in);
      int n = Integer.parseInt(size.split(";")[0].strip(), 16);
      if (n == 0) {
        while (!line(in).isEmpty()) {
          // trailers
        }
        return body.toString(StandardCharsets.ISO_8859_1);
      }
      body.write(in.readNBytes(n));
      line(in);
    }
  }

  private static String line(InputStream in) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    int c;
    while ((c = in.read()) != '\n') {
      if (c < 0) {
        throw new IOException("cut");
      }
      if (c != '\r') {
        b.write(c);
      }
    }
    return b.toString(StandardCharsets.ISO_8859_1);
  }

  @Override
  public void close() throws IOException {
    server.close();
    for (Socket s : open) {
      s.close();
    }
  }
}
