package dev.warren.preview;

import dev.warren.browser.BrowserService;
import dev.warren.error.Problem;
import dev.warren.error.WarrenException;
import dev.warren.runtime.ExecResult;
import dev.warren.runtime.ExecSpec;
import dev.warren.sandbox.Desktop;
import dev.warren.sandbox.Sandbox;
import dev.warren.sandbox.SandboxService;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The TCP ports something listens on inside a running sandbox, read from the sandbox's own
 * {@code /proc/net/tcp} and {@code /proc/net/tcp6} through its Guest exec (so the same on every
 * runtime). Stateless and thread-safe: every call runs one {@code cat} in the sandbox.
 */
public final class ListeningPorts {
  /** {@code st} of a socket in LISTEN state (include/net/tcp_states.h). */
  private static final String LISTEN = "0A";
  private static final int MAX_OUTPUT = 4 * 1024 * 1024;

  /** Which of two sockets on one port to show: the one a preview (which connects to 127.0.0.1) reaches. */
  private static final Comparator<Port> RANK = Comparator.comparingInt(p -> switch (p.address()) {
    case "0.0.0.0" -> 0;
    case "::" -> 1;
    case "127.0.0.1" -> 2;
    default -> 3;
  });

  /**
   * One listening port.
   *
   * @param address where it listens ({@code 0.0.0.0}, {@code ::}, {@code 127.0.0.1}…); of several
   *     sockets on one port, the one a preview reaches most surely (any address first, loopback next)
   * @param warren empty for the sandbox's own listeners; else what Warren listens there for
   *     ({@code vnc}: the desktop's VNC server; {@code devtools}: a browser session's Chromium)
   */
  public record Port(int port, String address, String family, Optional<String> warren) {}

  private final SandboxService sandboxes;

  public ListeningPorts(SandboxService sandboxes) {
    this.sandboxes = sandboxes;
  }

  /** The listening ports of a running sandbox, sorted by port; 404 unknown, 409 not running. */
  public List<Port> of(String id) {
    Sandbox s = sandboxes.get(id);
    // cat, not a shell: images without bash still list; a missing tcp6 (no IPv6) is a failure with output
    ExecResult r = sandboxes.exec(s.id(), new ExecSpec(List.of("cat", "/proc/net/tcp", "/proc/net/tcp6"), Map.of(), Optional.empty(),
        new byte[0], Duration.ofSeconds(10), MAX_OUTPUT));
    String out = new String(r.stdout(), StandardCharsets.US_ASCII);
    if (r.exitCode() != 0 && out.isBlank()) {
      throw new WarrenException(Problem.UNAVAILABLE, "cannot read the listening ports of " + s.id() + ": `cat /proc/net/tcp /proc/net/tcp6` "
          + "exited with " + r.exitCode() + ": " + new String(r.stderr(), StandardCharsets.UTF_8).strip());
    }
    return parse(out).stream().map(p -> new Port(p.port(), p.address(), p.family(), warrensUse(s, p.port()))).toList();
  }

  /**
   * Warren's own listeners: the VNC server of a sandbox with a desktop or of a browser session's
   * sandbox (a headed Chromium draws on one), DevTools in a browser session's sandbox.
   */
  static Optional<String> warrensUse(Sandbox s, int port) {
    boolean browser = s.spec().labels().containsKey(BrowserService.LABEL);
    if (port == Desktop.VNC_PORT && (s.spec().desktop().isPresent() || browser)) {
      return Optional.of("vnc");
    }
    if (port == BrowserService.DEVTOOLS_PORT && browser) {
      return Optional.of("devtools");
    }
    return Optional.empty();
  }

  /**
   * The LISTEN sockets in the text of {@code /proc/net/tcp} and/or {@code /proc/net/tcp6}, one per
   * port, sorted. Headers and lines that are not socket rows (a truncated last line) are skipped.
   */
  static List<Port> parse(String procNet) {
    TreeMap<Integer, Port> byPort = new TreeMap<>();
    for (String line : procNet.split("\n")) {
      String[] f = line.strip().split("\\s+");
      if (f.length < 4 || !f[0].endsWith(":") || !f[3].equals(LISTEN)) {
        continue;
      }
      int colon = f[1].indexOf(':');
      if (colon < 0) {
        continue;
      }
      Optional<String> address = address(f[1].substring(0, colon));
      int port;
      try {
        port = Integer.parseInt(f[1].substring(colon + 1), 16);
      } catch (NumberFormatException e) {
        continue;
      }
      if (address.isEmpty() || port < 1 || port > 65535) {
        continue;
      }
      Port p = new Port(port, address.get(), address.get().contains(":") ? "ipv6" : "ipv4", Optional.empty());
      byPort.merge(port, p, (a, b) -> RANK.compare(a, b) <= 0 ? a : b);
    }
    return new ArrayList<>(byPort.values());
  }

  /** The kernel prints each 32-bit word of an address in the host's byte order, as hex. */
  private static Optional<String> address(String hex) {
    if (hex.length() != 8 && hex.length() != 32) {
      return Optional.empty();
    }
    byte[] bytes = new byte[hex.length() / 2];
    try {
      for (int w = 0; w < bytes.length / 4; w++) {
        int word = (int) Long.parseLong(hex.substring(w * 8, w * 8 + 8), 16);
        if (ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN) {
          word = Integer.reverseBytes(word);
        }
        for (int i = 0; i < 4; i++) {
          bytes[w * 4 + i] = (byte) (word >>> (24 - 8 * i));
        }
      }
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
    return Optional.of(bytes.length == 4 ? ipv4(bytes) : ipv6(bytes));
  }

  private static String ipv4(byte[] b) {
    return (b[0] & 0xff) + "." + (b[1] & 0xff) + "." + (b[2] & 0xff) + "." + (b[3] & 0xff);
  }

  /** RFC 5952 text: lower-case hex groups, the longest run of two or more zero groups as {@code ::}. */
  private static String ipv6(byte[] b) {
    int[] g = new int[8];
    for (int i = 0; i < 8; i++) {
      g[i] = ((b[2 * i] & 0xff) << 8) | (b[2 * i + 1] & 0xff);
    }
    int bestStart = -1;
    int bestLen = 1;
    for (int i = 0; i < 8; i++) {
      int j = i;
      while (j < 8 && g[j] == 0) {
        j++;
      }
      if (j - i > bestLen) {
        bestStart = i;
        bestLen = j - i;
      }
      i = Math.max(i, j);
    }
    StringBuilder s = new StringBuilder();
    for (int i = 0; i < 8; i++) {
      if (i == bestStart) {
        s.append("::");
        i += bestLen - 1;
        continue;
      }
      if (s.length() > 0 && s.charAt(s.length() - 1) != ':') {
        s.append(':');
      }
      s.append(Integer.toHexString(g[i]));
    }
    return s.toString();
  }
}
