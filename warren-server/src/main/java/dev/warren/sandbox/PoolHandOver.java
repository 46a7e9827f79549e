package dev.warren.sandbox;

import dev.warren.error.Problem;
import dev.warren.image.Image;
import dev.warren.store.IdempotencyKey;
import dev.warren.store.Store;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hands a pooled sandbox over to a caller's create ({@link SandboxService#createOrClaim}). Under the
 * pooled sandbox's lock: its row is checked (still pooled, running, of the image a create would
 * use now), the runtime is given the caller's environment, then one transaction makes the row the
 * caller's (spec with env, labels, egress and idle policy; its labels; its Idempotency-Key;
 * counted against {@code WARREN_MAX_SANDBOXES}), then the egress proxy learns its policy. A
 * controller killed before that transaction leaves the sandbox pooled (the next hand-over replaces
 * the whole environment it was given); after it, it is the caller's with everything of the caller
 * set: never both, never neither. Thread-safe: called on request threads; the sandbox's lock and
 * the service's {@code allocation} lock (the same as a create's, taken in the same order) serialise
 * what must be.
 */
final class PoolHandOver {
  private static final Logger log = LoggerFactory.getLogger(PoolHandOver.class);

  private final SandboxPool pool;
  private final SandboxLifecycle lifecycle;
  private final SandboxRepository repo;
  private final Store store;
  private final ReentrantLock allocation;
  private final int maxSandboxes;
  private final Function<Sandbox, Map<String, String>> environment;

  PoolHandOver(SandboxPool pool, SandboxLifecycle lifecycle, Store store, ReentrantLock allocation, int maxSandboxes,
      Function<Sandbox, Map<String, String>> environment) {
    this.pool = pool;
    this.lifecycle = lifecycle;
    this.repo = lifecycle.repository();
    this.store = store;
    this.allocation = allocation;
    this.maxSandboxes = maxSandboxes;
    this.environment = environment;
  }

  /** A pooled sandbox of {@code image} handed over to {@code spec}; empty when none is ready (a miss). */
  Optional<SandboxService.Created> claim(SandboxSpec spec, Image image, Optional<IdempotencyKey> idempotencyKey) {
    String requestHash = IdempotencyKey.requestHash(SandboxRepository.specJson(spec));
    if (idempotencyKey.isPresent()) {
      Optional<Sandbox> earlier = repo.byIdempotencyKey(idempotencyKey.get(), requestHash);
      if (earlier.isPresent()) {
        return Optional.of(new SandboxService.Created(earlier.get(), false));
      }
    }
    for (Optional<String> next = pool.next(spec.image()); next.isPresent(); next = pool.next(spec.image())) {
      String id = next.get();
      AtomicReference<Optional<SandboxService.Created>> out = new AtomicReference<>(Optional.empty());
      // one the pool's keeper holds (deleting it) is skipped, not waited for
      lifecycle.tryLocked(id, () -> out.set(claimLocked(id, spec, image, idempotencyKey, requestHash)));
      if (out.get().isPresent()) {
        if (out.get().get().pooled()) {
          pool.claimed(spec.image());
        }
        return out.get();
      }
    }
    return Optional.empty();
  }

  private Optional<SandboxService.Created> claimLocked(String id, SandboxSpec spec, Image image, Optional<IdempotencyKey> idempotencyKey,
      String requestHash) {
    Optional<Sandbox> row = repo.findPooled(id);
    if (row.isEmpty() || row.get().state() != SandboxState.RUNNING || !row.get().imageDigest().equals(image.digest())
        || lifecycle.running(id).isEmpty()) {
      // the pool's next pass deletes what cannot be handed out
      return Optional.empty();
    }
    Sandbox p = row.get();
    Instant now = Instant.now();
    // to its caller it was made now
    Sandbox claimed = new Sandbox(id, SandboxState.RUNNING, Optional.empty(), spec, p.imageDigest(), p.generation(), p.slot(), p.address(),
        now, Optional.of(now), Optional.empty(), now);
    try {
      lifecycle.runtime().setEnvironment(id, environment.apply(claimed));
    } catch (RuntimeException e) {
      log.warn("cannot hand out pooled sandbox {}: {}", id, e.getMessage());
      return Optional.empty();
    }
    allocation.lock();
    try {
      if (idempotencyKey.isPresent()) {
        Optional<Sandbox> earlier = repo.byIdempotencyKey(idempotencyKey.get(), requestHash);
        if (earlier.isPresent()) {
          return Optional.of(new SandboxService.Created(earlier.get(), false));
        }
      }
      boolean handedOver = store.write(h -> {
        if (repo.count(h) >= maxSandboxes) {
          throw new SandboxException(Problem.LIMIT_EXCEEDED, "this Warren runs at most " + maxSandboxes
              + " sandboxes (WARREN_MAX_SANDBOXES); delete some first");
        }
        if (!SandboxRepository.claim(h, claimed)) {
          return false;
        }
        idempotencyKey.ifPresent(k -> SandboxRepository.rememberKey(h, k, requestHash, id, now));
        return true;
      });
      if (!handedOver) {
        return Optional.empty();
      }
    } finally {
      allocation.unlock();
    }
    lifecycle.registerEgress(claimed);
    lifecycle.touch(id);
    lifecycle.events().record("sandbox.created", id, "handed out from the pool of image " + spec.image() + ", running at "
        + claimed.address(), Duration.between(now, Instant.now()));
    return Optional.of(new SandboxService.Created(claimed, true));
  }
}
