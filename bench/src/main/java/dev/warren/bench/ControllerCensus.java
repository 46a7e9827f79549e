package dev.warren.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * What the controller itself holds, read from outside its code: open file descriptors (without the
 * user namespaces cached per uid slot, which {@link #readFdKinds} shows apart), platform
 * threads, child processes, heap after a full GC, and the rows of every table of its SQLite
 * database. The controller runs in the benchmark's JVM, so fds, threads and heap include the
 * benchmark's own (an upper bound).
 */
record ControllerCensus(int fds, Map<String, Integer> fdKinds, int threads, long children, long heap, Map<String, Long> rows) {
  /**
   * The fd kind of the user namespaces the runtime keeps open, one per uid slot ever used (a cache
   * bounded by the number of sandboxes a Warren may hold, not a leak): counted apart.
   */
  static final String USER_NAMESPACE = "user namespace (one per uid slot used)";
  /** Tables that record history (an audit trail) and grow by design; every other table must come back to where it was. */
  /** Closed browser sessions, counted apart from the live ones in {@code browsers}. */
  static final String CLOSED_BROWSERS = "browsers (closed)";
  static final List<String> HISTORY = List.of("events", "egress_events", "idempotency_keys", "audit", "flyway_schema_history",
      CLOSED_BROWSERS);

  static ControllerCensus take(Path database) {
    // rows first: SQLite keeps the fd of a closed connection open while another connection of the
    // process holds a lock on the file (it is reused by the next open), so counting fds after the
    // census's own connection makes both counts include it
    Map<String, Long> rows = countRows(database);
    Map<String, Integer> kinds = readFdKinds();
    int userNamespaces = kinds.getOrDefault(USER_NAMESPACE, 0);
    return new ControllerCensus(kinds.values().stream().mapToInt(Integer::intValue).sum() - userNamespaces, kinds,
        ManagementFactory.getThreadMXBean().getThreadCount(), ProcessHandle.current().descendants().count(), gcAndMeasureHeap(), rows);
  }

  static long gcAndMeasureHeap() {
    for (int i = 0; i < 3; i++) {
      System.gc();
    }
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }

  /** What the open fds are, by kind (socket, pipe, anon_inode:…, or the directory of a file). */
  static Map<String, Integer> readFdKinds() {
    Map<String, Integer> kinds = new TreeMap<>();
    try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
      s.forEach(fd -> {
        try {
          String t = Files.readSymbolicLink(fd).toString();
          String kind = t.startsWith("socket:") ? "socket" : t.startsWith("pipe:") ? "pipe" : t.startsWith("user:[") ? USER_NAMESPACE
              : t.startsWith("anon_inode:") ? t : t.startsWith("/") && t.lastIndexOf('/') > 0 ? t.substring(0, t.lastIndexOf('/')) : t;
          kinds.merge(kind, 1, Integer::sum);
        } catch (IOException e) {
          // closed meanwhile
        }
      });
    } catch (IOException e) {
      kinds.put("(cannot list: " + e.getMessage() + ")", 0);
    }
    return kinds;
  }

  /** The open files in directory {@code dir}, with how many fds each. */
  static Map<String, Integer> files(String dir) {
    Map<String, Integer> out = new TreeMap<>();
    try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
      for (Path fd : s.toList()) {
        try {
          Path t = Files.readSymbolicLink(fd);
          if (t.getParent() != null && t.getParent().toString().equals(dir)) {
            out.merge(t.getFileName().toString(), 1, Integer::sum);
          }
        } catch (IOException e) {
          // closed meanwhile
        }
      }
    } catch (IOException e) {
      out.put("(cannot list fds: " + e.getMessage() + ")", 0);
    }
    return out;
  }

  /** The TCP sockets this process holds, as local -> remote (state), from /proc/net/tcp{,6}; other sockets by count. */
  static List<String> sockets() {
    Map<String, String> tcp = new TreeMap<>();
    for (String table : List.of("/proc/self/net/tcp", "/proc/self/net/tcp6")) {
      try {
        List<String> lines = Files.readAllLines(Path.of(table));
        for (String line : lines.subList(1, lines.size())) {
          String[] f = line.trim().split("\\s+");
          tcp.put(f[9], endpoint(f[1]) + " -> " + endpoint(f[2]) + " (" + TCP_STATES.getOrDefault(f[3], f[3]) + ")");
        }
      } catch (IOException | RuntimeException e) {
        // not there (no IPv6)
      }
    }
    List<String> out = new ArrayList<>();
    int other = 0;
    try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
      for (Path fd : s.toList()) {
        try {
          String t = Files.readSymbolicLink(fd).toString();
          if (t.startsWith("socket:[")) {
            String inode = t.substring(8, t.length() - 1);
            if (tcp.containsKey(inode)) {
              out.add(tcp.get(inode));
            } else {
              other++;
            }
          }
        } catch (IOException e) {
          // closed meanwhile
        }
      }
    } catch (IOException e) {
      out.add("(cannot list fds: " + e.getMessage() + ")");
    }
    if (other > 0) {
      out.add(other + " not TCP (UNIX, netlink, UDP)");
    }
    return out;
  }

  private static final Map<String, String> TCP_STATES = Map.of("01", "established", "06", "time-wait", "08", "close-wait", "0A", "listen",
      "07", "close", "04", "fin-wait-1", "05", "fin-wait-2", "09", "last-ack", "02", "syn-sent");

  /** {@code 0100007F:1F90} (or its IPv6 form) as {@code 127.0.0.1:8080}. */
  private static String endpoint(String hex) {
    String[] p = hex.split(":");
    int port = Integer.parseInt(p[1], 16);
    if (p[0].length() == 8) {
      long a = Long.parseLong(p[0], 16);
      return (a & 0xff) + "." + ((a >> 8) & 0xff) + "." + ((a >> 16) & 0xff) + "." + ((a >> 24) & 0xff) + ":" + port;
    }
    return "[" + p[0] + "]:" + port;
  }

  private static Map<String, Long> countRows(Path database) {
    Map<String, Long> out = new TreeMap<>();
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + database); Statement st = c.createStatement()) {
      List<String> tables = new ArrayList<>();
      try (ResultSet rs = st.executeQuery("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")) {
        while (rs.next()) {
          tables.add(rs.getString(1));
        }
      }
      for (String t : tables) {
        try (ResultSet rs = st.executeQuery("SELECT count(*) FROM \"" + t.replace("\"", "") + "\"")) {
          rs.next();
          out.put(t, rs.getLong(1));
        }
      }
      if (tables.contains("browsers")) {
        // a closed session's record stays readable for a day (history); the others are live resources
        try (ResultSet rs = st.executeQuery("SELECT count(*) FROM browsers WHERE state = 'closed'")) {
          rs.next();
          out.put("browsers", out.get("browsers") - rs.getLong(1));
          out.put(CLOSED_BROWSERS, rs.getLong(1));
        }
      }
    } catch (SQLException e) {
      out.put("(cannot read the database: " + e.getMessage() + ")", -1L);
    }
    return out;
  }

  /** Differences with {@code before} that should not be there: fds, child processes, rows of resource tables. */
  List<String> growthSince(ControllerCensus before) {
    List<String> out = new ArrayList<>();
    if (fds > before.fds) {
      Map<String, String> grew = new TreeMap<>();
      fdKinds.forEach((k, n) -> {
        int was = before.fdKinds.getOrDefault(k, 0);
        if (n > was && !k.equals(USER_NAMESPACE)) {
          grew.put(k, was + " -> " + n);
        }
      });
      StringBuilder detail = new StringBuilder();
      for (String kind : grew.keySet()) {
        detail.append("; ").append(kind).append(" now: ").append(kind.equals("socket") ? sockets() : files(kind));
      }
      out.add("open fds " + before.fds + " -> " + fds + " (grew: " + grew + detail + ")");
    }
    if (children > before.children) {
      out.add("child processes " + before.children + " -> " + children);
    }
    rows.forEach((t, n) -> {
      long was = before.rows.getOrDefault(t, 0L);
      if (!HISTORY.contains(t) && n != was) {
        out.add("rows of " + t + " " + was + " -> " + n);
      }
    });
    return out;
  }
}
