package dev.warren.browser;

import dev.warren.net.EgressPolicy;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The warm pool: browsers started ahead of demand (headless, default viewport, no profile, no
 * egress) so that a matching create only hands one over and applies its egress policy. Refilled
 * in the background after every hand-out, {@link #REFILL_DELAY} later: starting a Chromium keeps
 * every core of a small host busy for about a second, and the caller's first CDP commands to the
 * browser just handed out should not compete with it. Pooled browsers survive controller restarts
 * like any other. Thread-safe.
 */
final class BrowserPool implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(BrowserPool.class);
  static final int WIDTH = 1280;
  static final int HEIGHT = 720;
  /** How long after a hand-out the refill starts (measured on 2 vCPUs: halves create-to-first-CDP-answer under load). */
  static final Duration REFILL_DELAY = Duration.ofMillis(300);

  private final BrowserService service;
  private final int size;
  private final AtomicInteger starting = new AtomicInteger();
  private final AtomicBoolean closed = new AtomicBoolean();

  BrowserPool(BrowserService service, int size) {
    this.service = service;
    this.size = size;
  }

  static BrowserSpec pooledSpec() {
    return new BrowserSpec(Optional.empty(), Optional.empty(), false, EgressPolicy.DENY_ALL, WIDTH, HEIGHT, true, Duration.ZERO, Duration.ZERO);
  }

  /** Whether a request can be served from the pool. */
  static boolean fits(BrowserSpec spec) {
    return spec.profile().isEmpty() && spec.headless() && spec.width() == WIDTH && spec.height() == HEIGHT;
  }

  /** A ready pooled browser handed over to {@code spec}, or empty when the pool is empty. */
  Optional<BrowserSession> take(BrowserSpec spec) {
    if (size == 0) {
      return Optional.empty();
    }
    long t0 = System.nanoTime();
    for (BrowserSession p : service.repository().pooled()) {
      long t1 = System.nanoTime();
      Optional<tools.jackson.databind.JsonNode> version = p.sandboxId().flatMap(id -> service.chromium().version(id, Duration.ofSeconds(1)));
      if (version.isEmpty()) {
        continue;
      }
      long t2 = System.nanoTime();
      Instant now = Instant.now();
      BrowserSession claimed = new BrowserSession(p.id(), spec.key(), p.sandboxId(), BrowserState.READY, Optional.empty(), spec, false,
          p.generation(), now, Optional.of(now), Optional.empty(), now);
      if (p.sandboxId().isPresent() && service.repository().claim(claimed)) {
        service.lifecycle().devtoolsAnswered(p.id(), version.get());
        long t3 = System.nanoTime();
        service.sandboxes().setEgress(p.sandboxId().get(), spec.egress());
        service.lifecycle().readied(claimed);
        long t4 = System.nanoTime();
        refill(REFILL_DELAY);
        log.debug("handed out {}: lookup {} ms, DevTools probe {} ms, claim {} ms, egress {} ms, refill started {} ms", p.id(),
            (t1 - t0) / 1_000_000, (t2 - t1) / 1_000_000, (t3 - t2) / 1_000_000, (t4 - t3) / 1_000_000, (System.nanoTime() - t4) / 1_000_000);
        return Optional.of(claimed);
      }
    }
    refill(REFILL_DELAY);
    return Optional.empty();
  }

  /** Starts pooled browsers in the background until the pool is full again. */
  void refill() {
    refill(Duration.ZERO);
  }

  /** Starts pooled browsers in the background, each after {@code delay}, until the pool is full again. */
  void refill(Duration delay) {
    if (closed.get()) {
      return;
    }
    int missing = size - service.repository().pooled().size() - starting.get();
    for (int i = 0; i < missing; i++) {
      starting.incrementAndGet();
      Thread.ofVirtual().name("browser-pool").start(() -> {
        try {
          if (delay.isPositive()) {
            Thread.sleep(delay);
          }
          if (!closed.get()) {
            service.startPooled(pooledSpec());
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
          log.warn("cannot start a pooled browser: {}", e.getMessage());
        } finally {
          starting.decrementAndGet();
        }
      });
    }
  }

  @Override
  public void close() {
    closed.set(true);
  }
}
