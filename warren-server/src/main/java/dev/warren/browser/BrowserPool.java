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
 * in the background after every hand-out; pooled browsers survive controller restarts like any
 * other. Thread-safe.
 */
final class BrowserPool implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(BrowserPool.class);
  static final int WIDTH = 1280;
  static final int HEIGHT = 720;

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
    for (BrowserSession p : service.repository().pooled()) {
      Optional<String> address = p.sandboxId().map(id -> service.sandboxes().get(id).address());
      if (address.isEmpty() || service.chromium().version(address.get(), Duration.ofSeconds(1)).isEmpty()) {
        continue;
      }
      Instant now = Instant.now();
      BrowserSession claimed = new BrowserSession(p.id(), spec.key(), p.sandboxId(), BrowserState.READY, Optional.empty(), spec, false,
          p.generation(), now, Optional.of(now), Optional.empty(), now);
      if (p.sandboxId().isPresent() && service.repository().claim(claimed)) {
        service.sandboxes().setEgress(p.sandboxId().get(), spec.egress());
        refill();
        return Optional.of(claimed);
      }
    }
    refill();
    return Optional.empty();
  }

  /** Starts pooled browsers in the background until the pool is full again. */
  void refill() {
    if (closed.get()) {
      return;
    }
    int missing = size - service.repository().pooled().size() - starting.get();
    for (int i = 0; i < missing; i++) {
      starting.incrementAndGet();
      Thread.ofVirtual().name("browser-pool").start(() -> {
        try {
          service.startPooled(pooledSpec());
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
