package dev.warren.reliability;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What the chaos clients were told, as they were told it: every logical sandbox create (its label,
 * whether an answer came, whether an attempt's answer was lost), every acknowledged delete, every
 * counter value a session answered, every file write acknowledged, every browser made and closed,
 * and every call that failed, with when. The checks at the end compare the controller's state with
 * this. Thread-safe: the clients write to it concurrently.
 */
final class ChaosLedger {
  /**
   * One logical create: {@code op} is its label {@code chaos-op}, the same on every retry; {@code via}
   * says who retried it ({@code sdk} or {@code keyed}, see {@link KeyedCreate}).
   */
  record Create(String op, int client, String via, Optional<String> id, boolean answerLost, long startNanos, long endNanos,
      Optional<String> error) {
    boolean spans(long from, long to) {
      return startNanos <= to && endNanos >= from;
    }
  }

  /** A call that failed, between {@code startNanos} and {@code endNanos}. */
  record Failure(int client, String kind, long startNanos, long endNanos, int status, String message) {
    boolean overlaps(long from, long to) {
      return startNanos <= to && endNanos >= from;
    }
  }

  /** A session whose counter a client bumps: the values it answered, and bumps whose answer was lost. */
  static final class Counter {
    final String sandboxId;
    final String sessionId;
    final List<Long> acked = new ArrayList<>();
    int unanswered;
    final List<String> regressions = new ArrayList<>();

    Counter(String sandboxId, String sessionId) {
      this.sandboxId = sandboxId;
      this.sessionId = sessionId;
    }

    synchronized void answered(long value) {
      long last = acked.isEmpty() ? 0 : acked.getLast();
      if (value <= last) {
        regressions.add("session " + sessionId + " in " + sandboxId + " answered " + value + " after " + last);
      }
      acked.add(value);
    }

    synchronized long last() {
      return acked.isEmpty() ? 0 : acked.getLast();
    }
  }

  private final Map<String, Create> creates = new ConcurrentHashMap<>();
  private final Set<String> deleted = ConcurrentHashMap.newKeySet();
  private final Set<String> deleteUnanswered = ConcurrentHashMap.newKeySet();
  private final Map<String, String> writes = new ConcurrentHashMap<>();
  private final Map<Integer, Counter> counters = new ConcurrentHashMap<>();
  private final Set<String> browsersMade = ConcurrentHashMap.newKeySet();
  private final Set<String> browsersClosed = ConcurrentHashMap.newKeySet();
  private final Set<String> homes = ConcurrentHashMap.newKeySet();
  private final ConcurrentLinkedQueue<Failure> failures = new ConcurrentLinkedQueue<>();
  private final Map<String, AtomicInteger> acknowledged = new ConcurrentHashMap<>();

  void created(Create c) {
    creates.put(c.op(), c);
    if (c.id().isPresent()) {
      ack("sandbox create");
    }
  }

  void deleted(String id) {
    deleted.add(id);
    ack("sandbox delete");
  }

  /** A delete that failed or lost its answer: the sandbox may be gone (a 503 may come after the work was done, which is then finished). */
  void deleteUnanswered(String id) {
    deleteUnanswered.add(id);
  }

  boolean deleteWasAttempted(String id) {
    return deleteUnanswered.contains(id);
  }

  void wrote(String sandboxId, String path, String content) {
    writes.put(sandboxId + ":" + path, content);
    ack("file write");
  }

  void home(String sandboxId) {
    homes.add(sandboxId);
  }

  Counter counter(int client, String sandboxId, String sessionId) {
    return counters.computeIfAbsent(client, k -> new Counter(sandboxId, sessionId));
  }

  void browserMade(String id) {
    browsersMade.add(id);
    ack("browser create");
  }

  void browserClosed(String id) {
    browsersClosed.add(id);
    ack("browser delete");
  }

  void ack(String kind) {
    acknowledged.computeIfAbsent(kind, k -> new AtomicInteger()).incrementAndGet();
  }

  void failed(Failure f) {
    failures.add(f);
  }

  Collection<Create> creates() {
    return creates.values();
  }

  boolean wasDeleted(String id) {
    return deleted.contains(id);
  }

  Set<String> deletedIds() {
    return Set.copyOf(deleted);
  }

  Map<String, String> writes() {
    return Map.copyOf(writes);
  }

  Collection<Counter> counters() {
    return counters.values();
  }

  Set<String> homes() {
    return Set.copyOf(homes);
  }

  Set<String> browsersMade() {
    return Set.copyOf(browsersMade);
  }

  Set<String> browsersClosed() {
    return Set.copyOf(browsersClosed);
  }

  /** Acknowledged operations by kind. */
  Map<String, Integer> acknowledged() {
    Map<String, Integer> out = new java.util.TreeMap<>();
    acknowledged.forEach((k, v) -> out.put(k, v.get()));
    return out;
  }

  /** Failures no fault explains: those overlapping none of {@code windows} ({@code [from, to]} in nanos). */
  List<Failure> failuresOutside(List<long[]> windows) {
    List<Failure> out = new ArrayList<>();
    for (Failure f : failures) {
      boolean explained = windows.stream().anyMatch(w -> f.overlaps(w[0], w[1]));
      if (!explained) {
        out.add(f);
      }
    }
    return out;
  }

  List<Failure> failures() {
    return List.copyOf(failures);
  }
}
