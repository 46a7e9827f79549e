package dev.warren.host;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.OptionalInt;

/**
 * Who is on the other end of a TCP connection made on this host: the uid owning the peer's
 * socket, read from the kernel's socket tables ({@code /proc/net/tcp}, {@code tcp6}) of the
 * controller's network namespace. Loopback has no SO_PEERCRED; this is its equivalent. Stateless.
 */
public final class LoopbackPeers {
  private static final List<Path> TABLES = List.of(Path.of("/proc/net/tcp"), Path.of("/proc/net/tcp6"));

  private LoopbackPeers() {}

  /**
   * The uid of the process that owns the client socket {@code peer} connected to our {@code local}
   * socket, or empty when the peer is not on this host (or the connection is already gone).
   */
  public static OptionalInt uid(InetSocketAddress peer, InetSocketAddress local) {
    if (!peer.getAddress().isLoopbackAddress() && !isLocal(peer.getAddress())) {
      return OptionalInt.empty();
    }
    // the client's own row: its local address is our peer, its remote address is us
    for (Path table : TABLES) {
      boolean v6 = table.getFileName().toString().endsWith("6");
      String want = hex(peer, v6) + " " + hex(local, v6);
      try {
        for (String line : Files.readAllLines(table)) {
          String[] f = line.trim().split("\\s+");
          if (f.length > 7 && (f[1] + " " + f[2]).equalsIgnoreCase(want)) {
            return OptionalInt.of(Integer.parseInt(f[7]));
          }
        }
      } catch (IOException | RuntimeException e) {
        // an unreadable table answers nothing: the caller refuses
      }
    }
    return OptionalInt.empty();
  }

  private static boolean isLocal(InetAddress a) {
    try {
      return java.net.NetworkInterface.getByInetAddress(a) != null;
    } catch (java.net.SocketException e) {
      return false;
    }
  }

  /** An address as the table writes it: the address's 32-bit words in host (little-endian) order, then the port. */
  static String hex(InetSocketAddress a, boolean v6) {
    byte[] b = a.getAddress().getAddress();
    if (v6 && a.getAddress() instanceof Inet4Address) {
      byte[] mapped = new byte[16];
      mapped[10] = (byte) 0xff;
      mapped[11] = (byte) 0xff;
      System.arraycopy(b, 0, mapped, 12, 4);
      b = mapped;
    } else if (!v6 && a.getAddress() instanceof Inet6Address) {
      return "-";
    }
    StringBuilder s = new StringBuilder();
    for (int i = 0; i < b.length; i += 4) {
      s.append(HexFormat.of().formatHex(new byte[] {b[i + 3], b[i + 2], b[i + 1], b[i]}));
    }
    return s.toString().toUpperCase(Locale.ROOT) + ":" + String.format("%04X", a.getPort());
  }
}
