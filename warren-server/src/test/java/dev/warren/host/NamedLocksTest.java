package dev.warren.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.warren.error.Problem;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The locks of browser keys and idempotency keys. Unit level: through the API each key costs a
 * Chromium start (seconds), so "many keys" and a 120 s wait are out of a test's bounded time.
 */
class NamedLocksTest {
  @Test
  void locksOfManyDistinctKeysAreDroppedOnceNobodyHoldsOrWaitsOnThem() throws Exception {
    NamedLocks locks = new NamedLocks(Duration.ofSeconds(10));
    AtomicInteger inside = new AtomicInteger();
    List<Thread> threads = new ArrayList<>();
    for (int t = 0; t < 8; t++) {
      int base = t;
      threads.add(Thread.ofPlatform().start(() -> {
        for (int i = 0; i < 2000; i++) {
          // two threads share each key: holders and waiters on one name
          locks.locked("k" + (i * 4 + base % 4), () -> new dev.warren.error.WarrenException(Problem.UNAVAILABLE, "busy"), inside::incrementAndGet);
        }
      }));
    }
    for (Thread t : threads) {
      t.join(30_000);
    }
    assertThat(inside.get()).isEqualTo(16_000);
    assertThat(locks.size()).as("locks left after 8000 distinct keys").isZero();
  }

  @Test
  void aWaitForAHeldKeyEndsAtItsLimitWithTheNamedFailureAndLeavesNoLock() throws Exception {
    NamedLocks locks = new NamedLocks(Duration.ofMillis(300));
    CountDownLatch held = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    Thread holder = Thread.ofPlatform().start(() -> locks.locked("key:a", () -> new dev.warren.error.WarrenException(Problem.UNAVAILABLE, "busy"), () -> {
      held.countDown();
      try {
        return release.await(30, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        return false;
      }
    }));
    assertThat(held.await(10, TimeUnit.SECONDS)).isTrue();
    long t0 = System.nanoTime();
    assertThatThrownBy(() -> locks.locked("key:a", () -> new dev.warren.error.WarrenException(Problem.UNAVAILABLE, "waited for key a"), () -> 1))
        .isInstanceOf(dev.warren.error.WarrenException.class).hasMessage("waited for key a");
    assertThat((System.nanoTime() - t0) / 1_000_000).isBetween(250L, 5_000L);
    assertThat(locks.size()).as("the holder's lock only").isEqualTo(1);
    release.countDown();
    holder.join(10_000);
    assertThat(locks.size()).isZero();
  }
}
