package dev.warren.net;

import dev.warren.testing.OutsideHost;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A TCP echo server on the {@link OutsideHost#shared() outside host}: echoes until the client
 * half-closes, then half-closes too.
 */
final class EchoServer implements AutoCloseable {

  private final ServerSocket server;
  private final Set<Socket> open = ConcurrentHashMap.newKeySet();

  EchoServer() throws IOException {
    server = OutsideHost.shared().serverSocket();
    Thread.ofVirtual().name("test-echo-accept").start(this::acceptLoop);
  }

  int port() {
    return server.getLocalPort();
  }

  InetSocketAddress address() {
    return new InetSocketAddress(OutsideHost.shared().address(), port());
  }

  /** {@code host:port}, as a CONNECT target or an allow entry. */
  String target() {
    return OutsideHost.shared().target(port());
  }

  private void acceptLoop() {
    try {
      while (true) {
        Socket socket = server.accept();
        open.add(socket);
        Thread.ofVirtual().name("test-echo").start(() -> echo(socket));
      }
    } catch (IOException e) {
      // closed
    }
  }

  private void echo(Socket socket) {
    try (socket) {
      InputStream in = socket.getInputStream();
      OutputStream out = socket.getOutputStream();
      in.transferTo(out);
      socket.shutdownOutput();
    } catch (IOException e) {
      // the other side went away
    } finally {
      open.remove(socket);
    }
  }

  @Override
  public void close() throws IOException {
    server.close();
    for (Socket socket : open) {
      socket.close();
    }
  }
}
