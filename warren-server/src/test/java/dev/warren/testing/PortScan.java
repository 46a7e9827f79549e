package dev.warren.testing;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * A TCP connect scan, run as a program of its own (so that it can run as another host user, see
 * {@link HostUser#scan}): {@code PortScan <address> <first> <last> <timeoutMillis>} prints each port
 * that accepted a connection ({@code open <port>}), then {@code scanned <n>}. Up to 512 connects
 * are in flight; a port that neither accepts nor refuses within the timeout counts as closed.
 * JDK only, one class, so that it runs from a copy of its class file alone.
 */
public final class PortScan {
  private static final int IN_FLIGHT = 512;

  private PortScan() {}

  public static void main(String[] args) throws IOException {
    String host = args[0];
    int first = Integer.parseInt(args[1]);
    int last = Integer.parseInt(args[2]);
    long timeoutNanos = Long.parseLong(args[3]) * 1_000_000;
    Deque<Integer> todo = new ArrayDeque<>();
    for (int p = first; p <= last; p++) {
      todo.add(p);
    }
    List<Integer> open = new ArrayList<>();
    int scanned = 0;
    try (Selector selector = Selector.open()) {
      while (!todo.isEmpty() || !selector.keys().isEmpty()) {
        while (!todo.isEmpty() && selector.keys().size() < IN_FLIGHT) {
          int port = todo.poll();
          SocketChannel c = SocketChannel.open(StandardProtocolFamily.INET);
          c.configureBlocking(false);
          try {
            if (c.connect(new InetSocketAddress(host, port))) {
              open.add(port);
              scanned++;
              c.close();
            } else {
              c.register(selector, SelectionKey.OP_CONNECT, new long[] {port, System.nanoTime() + timeoutNanos});
            }
          } catch (IOException refused) {
            scanned++;
            c.close();
          }
        }
        selector.select(20);
        for (SelectionKey k : selector.selectedKeys()) {
          SocketChannel c = (SocketChannel) k.channel();
          try {
            if (c.finishConnect()) {
              open.add((int) ((long[]) k.attachment())[0]);
            }
          } catch (IOException refused) {
            // closed port
          }
          scanned++;
          k.cancel();
          c.close();
        }
        selector.selectedKeys().clear();
        long now = System.nanoTime();
        for (SelectionKey k : selector.keys()) {
          if (k.isValid() && now - ((long[]) k.attachment())[1] > 0) {
            scanned++;
            k.cancel();
            k.channel().close();
          }
        }
        selector.selectNow();
      }
    }
    for (int p : open) {
      System.out.println("open " + p);
    }
    System.out.println("scanned " + scanned);
  }
}
