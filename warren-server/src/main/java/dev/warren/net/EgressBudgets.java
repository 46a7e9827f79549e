package dev.warren.net;

import dev.warren.config.RateLimit;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The egress log's rate per sandbox: a token bucket each ({@code WARREN_EGRESS_LOG_RATE}). An event
 * that finds its bucket empty is not recorded by itself but counted into the sandbox's pending
 * summary, written as one entry later ({@link #due}, {@link #summary}), so a sandbox opening
 * thousands of connections a second adds a bounded number of entries. Thread-safe: one lock per
 * sandbox guards its bucket and its counts.
 */
final class EgressBudgets {

  private static final int SWEEP_ABOVE = 1024;
  private static final int SAMPLES = 3;

  private final RateLimit rate;
  private final Map<String, Budget> budgets = new ConcurrentHashMap<>();

  EgressBudgets(RateLimit rate) {
    this.rate = rate;
  }

  /** True when {@code e} is to be recorded now; else it is counted into its sandbox's summary. */
  boolean admit(EgressEvent e) {
    if (!rate.enabled()) {
      return true;
    }
    long now = System.nanoTime();
    if (budgets.size() > SWEEP_ABOVE) {
      budgets.values().removeIf(b -> b.idle(now));
    }
    return budgets.computeIfAbsent(key(e.sandboxId()), k -> new Budget(now)).admit(e, now);
  }

  /** Summaries of events held back for longer than {@code every}, and so taken out of the counts. */
  List<EgressEvent> due(Duration every) {
    long now = System.nanoTime();
    List<EgressEvent> out = new ArrayList<>();
    for (Budget b : budgets.values()) {
      b.summaryIfOlder(now, every.toNanos()).ifPresent(out::add);
    }
    return out;
  }

  /** The sandbox's pending summary now (before its log is read). */
  Optional<EgressEvent> summary(String sandboxId) {
    Budget b = budgets.get(sandboxId);
    return b == null ? Optional.empty() : b.summaryIfOlder(System.nanoTime(), -1);
  }

  void forget(String sandboxId) {
    budgets.remove(sandboxId);
  }

  private static String key(Optional<String> sandboxId) {
    return sandboxId.orElse("");
  }

  private final class Budget {
    private final ReentrantLock lock = new ReentrantLock();
    private double tokens = rate.burst();
    private long at;
    private long heldSince;
    private Optional<String> sandboxId = Optional.empty();
    private Instant first;
    private Instant last;
    private long refused;
    private long allowed;
    private long bytesOut;
    private long bytesIn;
    private final Set<String> samples = new LinkedHashSet<>();

    Budget(long now) {
      this.at = now;
    }

    boolean admit(EgressEvent e, long now) {
      lock.lock();
      try {
        tokens = Math.min(rate.burst(), tokens + (now - at) / 1e9 * rate.perSecond());
        at = now;
        if (tokens >= 1) {
          tokens -= 1;
          return true;
        }
        if (refused + allowed == 0) {
          heldSince = now;
          first = e.startedAt();
          sandboxId = e.sandboxId();
        }
        last = e.startedAt();
        if (e.allowed()) {
          allowed++;
        } else {
          refused++;
        }
        bytesOut += e.bytesOut();
        bytesIn += e.bytesIn();
        if (samples.size() < SAMPLES && !e.host().isEmpty()) {
          samples.add(new Target(e.host(), e.port()).toString());
        }
        return false;
      } finally {
        lock.unlock();
      }
    }

    /** The summary when something is held back since more than {@code ageNanos} (-1: any), resetting the counts. */
    Optional<EgressEvent> summaryIfOlder(long now, long ageNanos) {
      lock.lock();
      try {
        long held = refused + allowed;
        if (held == 0 || now - heldSince <= ageNanos) {
          return Optional.empty();
        }
        String reason = "egress log rate limit (WARREN_EGRESS_LOG_RATE: " + rate.perSecond() + "/s, burst " + rate.burst() + "): "
            + held + " more connection" + (held == 1 ? "" : "s") + " not recorded one by one: " + refused + " refused, "
            + allowed + " allowed" + (samples.isEmpty() ? "" : ", e.g. to " + String.join(", ", samples));
        EgressEvent summary = new EgressEvent(sandboxId, "", "", "", 0, false, Optional.of(reason), false, bytesOut, bytesIn,
            first, Duration.between(first, last).isNegative() ? Duration.ZERO : Duration.between(first, last));
        refused = 0;
        allowed = 0;
        bytesOut = 0;
        bytesIn = 0;
        samples.clear();
        return Optional.of(summary);
      } finally {
        lock.unlock();
      }
    }

    boolean idle(long now) {
      lock.lock();
      try {
        return refused + allowed == 0 && tokens + (now - at) / 1e9 * rate.perSecond() >= rate.burst();
      } finally {
        lock.unlock();
      }
    }
  }
}
