package dev.warren.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class BackoffTest {

  private final Backoff backoff = Backoff.defaults();

  @Test
  void ceilingDoublesFromTheBaseUpToTheCap() {
    assertThat(backoff.ceiling(1)).isEqualTo(Duration.ofMillis(100));
    assertThat(backoff.ceiling(2)).isEqualTo(Duration.ofMillis(200));
    assertThat(backoff.ceiling(4)).isEqualTo(Duration.ofMillis(800));
    assertThat(backoff.ceiling(6)).isEqualTo(Duration.ofMillis(3200));
    assertThat(backoff.ceiling(7)).isEqualTo(Duration.ofSeconds(5));
    assertThat(backoff.ceiling(1000)).isEqualTo(Duration.ofSeconds(5));
  }

  @Test
  void fullJitterStaysWithinZeroAndTheCeiling() {
    for (int retry = 1; retry <= 8; retry++) {
      for (int i = 0; i < 200; i++) {
        assertThat(backoff.delay(retry, Optional.empty())).isBetween(Duration.ZERO, backoff.ceiling(retry));
      }
    }
  }

  @Test
  void retryAfterIsHonouredUpToOneMinute() {
    assertThat(backoff.delay(1, Optional.of(Duration.ofSeconds(3)))).isEqualTo(Duration.ofSeconds(3));
    assertThat(backoff.delay(1, Optional.of(Duration.ZERO))).isEqualTo(Duration.ZERO);
    assertThat(backoff.delay(1, Optional.of(Duration.ofHours(1)))).isEqualTo(Backoff.MAX_RETRY_AFTER);
  }

  @Test
  void retryAfterReadsSecondsAndHttpDates() {
    var now = ZonedDateTime.of(2026, 11, 22, 10, 0, 0, 0, ZoneOffset.UTC);
    assertThat(Backoff.parseRetryAfter("2", now)).contains(Duration.ofSeconds(2));
    assertThat(Backoff.parseRetryAfter(" 0 ", now)).contains(Duration.ZERO);
    assertThat(Backoff.parseRetryAfter("Sun, 22 Nov 2026 10:00:07 GMT", now)).contains(Duration.ofSeconds(7));
    assertThat(Backoff.parseRetryAfter("Sun, 22 Nov 2026 09:00:00 GMT", now)).contains(Duration.ZERO);
    assertThat(Backoff.parseRetryAfter("99999999999999999999999", now)).contains(Backoff.MAX_RETRY_AFTER);
    assertThat(Backoff.parseRetryAfter("soon", now)).isEmpty();
    assertThat(Backoff.parseRetryAfter("-1", now)).isEmpty();
    assertThat(Backoff.parseRetryAfter(null, now)).isEmpty();
  }

  @Test
  void settingsAreValidated() {
    assertThatThrownBy(() -> new Backoff(0, Duration.ofMillis(1), Duration.ofMillis(2)))
        .hasMessageContaining("maxAttempts must be at least 1, got 0");
    assertThatThrownBy(() -> new Backoff(3, Duration.ZERO, Duration.ofMillis(2)))
        .hasMessageContaining("backoff base must be positive");
    assertThatThrownBy(() -> new Backoff(3, Duration.ofSeconds(2), Duration.ofSeconds(1)))
        .hasMessageContaining("must not be below its base");
  }
}
