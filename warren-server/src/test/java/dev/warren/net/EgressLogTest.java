package dev.warren.net;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warren.config.Config;
import dev.warren.config.EgressLimits;
import dev.warren.config.RateLimit;
import dev.warren.store.Store;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The egress log keeps within its bounds: a rate per sandbox (the rest counted), a count per sandbox, an age. */
class EgressLogTest {
  private Path data;
  private Store store;

  @BeforeEach
  void open() throws Exception {
    data = Files.createTempDirectory("warren-egress-log-test");
    store = Store.open(Config.from(Map.of("WARREN_DATA", data.toString())));
  }

  @AfterEach
  void close() throws Exception {
    store.close();
    try (var files = Files.walk(data)) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  private static EgressEvent event(String sandbox, String host, boolean allowed, Instant at) {
    return new EgressEvent(Optional.of(sandbox), "10.200.0.2:5555", "CONNECT", host, 443, allowed,
        allowed ? Optional.empty() : Optional.of("egress not allowed by policy: " + host + ":443"), false, 1, 2, at, Duration.ofMillis(1));
  }

  @Test
  void pastItsRateASandboxsConnectionsAreCountedIntoOneSummaryAndNoneIsLost() {
    try (EgressLog log = new EgressLog(store, new EgressLimits(256, Duration.ofDays(30), 10_000, new RateLimit(1, 10)))) {
      for (int i = 0; i < 1000; i++) {
        log.accept(event("sbx_flood", "refused" + (i % 7) + ".example", i % 100 == 0, Instant.now()));
      }
      log.accept(event("sbx_calm", "calm.example", true, Instant.now()));
      List<EgressEvent> flood = log.forSandbox("sbx_flood", 1000);
      assertThat(flood.size()).isLessThanOrEqualTo(10 + 5);
      long summarized = 0;
      long individual = 0;
      Pattern count = Pattern.compile("(\\d+) more connections? not recorded one by one: (\\d+) refused, (\\d+) allowed");
      for (EgressEvent e : flood) {
        Matcher m = count.matcher(e.reason().orElse(""));
        if (m.find()) {
          summarized += Long.parseLong(m.group(1));
          assertThat(Long.parseLong(m.group(2)) + Long.parseLong(m.group(3))).isEqualTo(Long.parseLong(m.group(1)));
          assertThat(e.reason().orElseThrow()).startsWith("egress log rate limit (WARREN_EGRESS_LOG_RATE: 1.0/s, burst 10): ")
              .contains("e.g. to refused");
        } else {
          individual++;
        }
      }
      assertThat(individual + summarized).as("every connection recorded or counted").isEqualTo(1000);
      assertThat(summarized).isGreaterThan(900);
      assertThat(log.forSandbox("sbx_calm", 10)).as("another sandbox's budget is its own").hasSize(1);
    }
  }

  @Test
  void entriesPastTheCountPerSandboxOrTheRetentionArePruned() {
    Instant now = Instant.now();
    try (EgressLog log = new EgressLog(store, new EgressLimits(256, Duration.ofDays(30), 5, RateLimit.OFF))) {
      for (int i = 0; i < 12; i++) {
        log.accept(event("sbx_a", "a" + i + ".example", true, now.minusSeconds(100 - i)));
      }
      for (int i = 0; i < 3; i++) {
        log.accept(event("sbx_b", "b" + i + ".example", true, now.minus(Duration.ofDays(40 - i * 20))));
      }
      assertThat(log.forSandbox("sbx_a", 100)).hasSize(12);
      log.prune(now.toEpochMilli());
      assertThat(log.forSandbox("sbx_a", 100)).extracting(EgressEvent::host)
          .containsExactly("a11.example", "a10.example", "a9.example", "a8.example", "a7.example");
      assertThat(log.forSandbox("sbx_b", 100)).as("older than 30 days: gone").extracting(EgressEvent::host)
          .containsExactly("b2.example", "b1.example");
    }
  }
}
