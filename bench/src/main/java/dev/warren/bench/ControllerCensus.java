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
 * What the controller itself holds, read from outside its code: open file descriptors, platform
 * threads, child processes, heap after a full GC, and the rows of every table of its SQLite
 * database. The controller runs in the benchmark's JVM, so fds, threads and heap include the
 * benchmark's own (an upper bound).
 */
record ControllerCensus(int fds, int threads, long children, long heap, Map<String, Long> rows) {
  /** Tables that record history (an audit trail) and grow by design; every other table must come back to where it was. */
  /** Closed browser sessions, counted apart from the live ones in {@code browsers}. */
  static final String CLOSED_BROWSERS = "browsers (closed)";
  static final List<String> HISTORY = List.of("events", "egress_events", "idempotency_keys", "audit", "flyway_schema_history",
      CLOSED_BROWSERS);

  static ControllerCensus take(Path database) {
    return new ControllerCensus(countFds(), ManagementFactory.getThreadMXBean().getThreadCount(),
        ProcessHandle.current().descendants().count(), gcAndMeasureHeap(), countRows(database));
  }

  static long gcAndMeasureHeap() {
    for (int i = 0; i < 3; i++) {
      System.gc();
    }
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }

  /** What the open fds are, by kind (socket, pipe, anon_inode:…, or the directory of a file). */
  static Map<String, Integer> fdKinds() {
    Map<String, Integer> kinds = new TreeMap<>();
    try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
      s.forEach(fd -> {
        try {
          String t = Files.readSymbolicLink(fd).toString();
          String kind = t.startsWith("socket:") ? "socket" : t.startsWith("pipe:") ? "pipe"
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

  private static int countFds() {
    try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
      return (int) s.count();
    } catch (IOException e) {
      return -1;
    }
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
      out.add("open fds " + before.fds + " -> " + fds + " (now " + fdKinds() + ")");
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
