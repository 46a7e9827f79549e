package dev.warren.net;

import dev.warren.testing.OutsideHost;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A minimal upstream proxy on the {@link OutsideHost#shared() outside host} that records each
 * request head it receives. It either
 * refuses everything with 407, or tunnels CONNECT and answers plain requests itself with a short
 * {@code from upstream} body, or (a misbehaving one) answers plain requests with the head it
 * received, credentials included.
 */
final class TestUpstreamProxy implements AutoCloseable {

  /** A request head as received: the request line and header lines, names lower-cased. */
  record Received(String requestLine, List<String> headers) {
    boolean hasHeader(String name) {
      return headers.stream().anyMatch(h -> h.startsWith(name.toLowerCase(Locale.ROOT) + ":"));
    }

    List<String> values(String name) {
      String prefix = name.toLowerCase(Locale.ROOT) + ":";
      return headers.stream().filter(h -> h.startsWith(prefix))
          .map(h -> h.substring(prefix.length()).strip()).toList();
    }
  }

  private final ServerSocket server;
  private enum Mode { TUNNEL, REFUSE, ECHO }

  private final Mode mode;
  private final Set<Socket> open = ConcurrentHashMap.newKeySet();
  final BlockingQueue<Received> received = new LinkedBlockingQueue<>();

  private TestUpstreamProxy(Mode mode) throws IOException {
    this.mode = mode;
    server = OutsideHost.shared().serverSocket();
    Thread.ofVirtual().name("test-upstream-accept").start(this::acceptLoop);
  }

  static TestUpstreamProxy tunnelling() throws IOException {
    return new TestUpstreamProxy(Mode.TUNNEL);
  }

  static TestUpstreamProxy refusing() throws IOException {
    return new TestUpstreamProxy(Mode.REFUSE);
  }

  static TestUpstreamProxy echoing() throws IOException {
    return new TestUpstreamProxy(Mode.ECHO);
  }

  String target() {
    return OutsideHost.shared().target(port());
  }

  int port() {
    return server.getLocalPort();
  }

  Received nextRequest() throws InterruptedException {
    Received r = received.poll(5, TimeUnit.SECONDS);
    if (r == null) {
      throw new AssertionError("the upstream proxy received no request within 5 s");
    }
    return r;
  }

  private void acceptLoop() {
    try {
      while (true) {
        Socket socket = server.accept();
        open.add(socket);
        Thread.ofVirtual().name("test-upstream").start(() -> serve(socket));
      }
    } catch (IOException e) {
      // closed
    }
  }

  private void serve(Socket socket) {
    try (socket) {
      socket.setSoTimeout(5_000);
      InputStream in = socket.getInputStream();
      OutputStream out = socket.getOutputStream();
      String head = readHead(in);
      String[] lines = head.split("\r\n");
      List<String> headers = List.of(lines).subList(1, lines.length).stream()
          .map(h -> h.substring(0, h.indexOf(':')).toLowerCase(Locale.ROOT) + h.substring(h.indexOf(':')))
          .toList();
      Received request = new Received(lines[0], headers);
      received.add(request);
      if (mode == Mode.ECHO && !lines[0].startsWith("CONNECT ")) {
        out.write(ascii("HTTP/1.1 200 OK\r\nContent-Type: message/http\r\nConnection: close\r\n\r\n" + head));
      } else if (mode == Mode.REFUSE) {
        out.write(ascii("HTTP/1.1 407 Proxy Authentication Required\r\n"
            + "Proxy-Authenticate: Basic realm=\"test\"\r\nContent-Length: 4\r\n\r\nnope"));
      } else if (lines[0].startsWith("CONNECT ")) {
        tunnel(socket, lines[0].split(" ")[1]);
      } else {
        String body = "from upstream";
        out.write(ascii("HTTP/1.1 200 OK\r\nContent-Length: " + body.length()
            + "\r\nConnection: close\r\n\r\n" + body));
      }
    } catch (IOException e) {
      // the client went away
    } finally {
      open.remove(socket);
    }
  }

  private void tunnel(Socket client, String target) throws IOException {
    int colon = target.lastIndexOf(':');
    try (Socket destination = new Socket()) {
      open.add(destination);
      destination.connect(new InetSocketAddress(
          target.substring(0, colon), Integer.parseInt(target.substring(colon + 1))), 5_000);
      client.getOutputStream().write(ascii("HTTP/1.1 200 Connection established\r\n\r\n"));
      Thread back = Thread.ofVirtual().start(() -> copy(destination, client));
      copy(client, destination);
      back.join(5_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void copy(Socket from, Socket to) {
    try {
      from.getInputStream().transferTo(to.getOutputStream());
      to.shutdownOutput();
    } catch (IOException e) {
      // one side went away
    }
  }

  private static String readHead(InputStream in) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    int b;
    while ((b = in.read()) >= 0) {
      head.write(b);
      String text = head.toString(StandardCharsets.ISO_8859_1);
      if (text.endsWith("\r\n\r\n")) {
        return text.substring(0, text.length() - 4);
      }
    }
    throw new IOException("connection closed inside the head");
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.ISO_8859_1);
  }

  @Override
  public void close() throws IOException {
    server.close();
    for (Socket socket : open) {
      socket.close();
    }
  }
}
