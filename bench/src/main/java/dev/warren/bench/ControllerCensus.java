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
  static final List<String> HISTORY = List.of("events", "egress_events", "idempotency_keys", "audit", "flyway_schema_history");

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
    } catch (SQLException e) {
      out.put("(cannot read the database: " + e.getMessage() + ")", -1L);
    }
    return out;
  }

  /** Differences with {@code before} that should not be there: fds, child processes, rows of resource tables. */
  List<String> growthSince(ControllerCensus before) {
    List<String> out = new ArrayList<>();
    if (fds > before.fds) {
      out.add("open fds " + before.fds + " -> " + fds);
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
