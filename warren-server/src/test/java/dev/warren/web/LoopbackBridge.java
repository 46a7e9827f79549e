package dev.warren.web;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Carries TCP connections across network namespaces through a UNIX socket (a path socket is
 * reachable from every namespace). Used in two halves: inside Chromium's namespace,
 * {@code main(port, socket)} listens on 127.0.0.1:port and dials the socket, and ends when its
 * parent (Chromium) ends; in the test JVM, {@link #serve} listens on the socket and dials the server.
 */
final class LoopbackBridge {
  private LoopbackBridge() {}

  public static void main(String[] args) throws IOException {
    int port = Integer.parseInt(args[0]);
    Path socket = Path.of(args[1]);
    ProcessHandle.current().parent().ifPresent(p -> p.onExit().thenRun(() -> System.exit(0)));
    try (ServerSocket server = new ServerSocket(port, 64, InetAddress.getLoopbackAddress())) {
      Files.writeString(Path.of(args[1] + ".ready"), "ready\n");
      while (true) {
        Socket in = server.accept();
        Thread.ofVirtual().start(() -> {
          try (in; SocketChannel out = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
            pump(in.getInputStream(), in.getOutputStream(), Channels.newInputStream(out), Channels.newOutputStream(out), in, out);
          } catch (IOException e) {
            // one connection ends; the bridge goes on
          }
        });
      }
    }
  }

  /** The test JVM's half: accepts on the UNIX socket and connects each to {@code target}. Close the returned channel to stop. */
  static ServerSocketChannel serve(Path socket, InetSocketAddress target) throws IOException {
    ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    server.bind(UnixDomainSocketAddress.of(socket));
    Thread.ofVirtual().start(() -> {
      while (server.isOpen()) {
        try {
          SocketChannel in = server.accept();
          Thread.ofVirtual().start(() -> {
            try (in; Socket out = new Socket(target.getAddress(), target.getPort())) {
              pump(Channels.newInputStream(in), Channels.newOutputStream(in), out.getInputStream(), out.getOutputStream(), in, out);
            } catch (IOException e) {
              // one connection ends
            }
          });
        } catch (IOException e) {
          return;
        }
      }
    });
    return server;
  }

  /** Copies both ways; when either side ends, closes both (HTTP and WebSocket need no half-close here). */
  private static void pump(InputStream aIn, OutputStream aOut, InputStream bIn, OutputStream bOut, java.io.Closeable a, java.io.Closeable b) {
    Runnable closeBoth = () -> {
      try {
        a.close();
      } catch (IOException e) {
        // already closed
      }
      try {
        b.close();
      } catch (IOException e) {
        // already closed
      }
    };
    Thread back = Thread.ofVirtual().start(() -> {
      copy(bIn, aOut);
      closeBoth.run();
    });
    copy(aIn, bOut);
    closeBoth.run();
    try {
      back.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void copy(InputStream in, OutputStream out) {
    byte[] buf = new byte[64 * 1024];
    try {
      int n;
      while ((n = in.read(buf)) > 0) {
        out.write(buf, 0, n);
        out.flush();
      }
    } catch (IOException e) {
      // the other direction or the caller closes the sockets
    }
  }
}
