package dev.warren.ops;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.util.ContextInitializer;
import dev.warren.config.Config;
import dev.warren.log.LogSetup;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The controller's log file: logfmt lines, rolled and compressed when it grows, secrets redacted. */
class LogSetupTest {
  @TempDir
  Path dir;

  @AfterEach
  void restoreTestLogging() throws Exception {
    LoggerContext ctx = (LoggerContext) LoggerFactory.getILoggerFactory();
    ctx.reset();
    new ContextInitializer(ctx).autoConfig();
  }

  @Test
  void theFileRollsAtItsSizeIsCompressedAndHoldsNoSecrets() throws Exception {
    LogSetup.configure(new Config.Logging("INFO", Optional.of(dir), 1L << 20, Duration.ofDays(2)));
    Logger api = LoggerFactory.getLogger("api");
    String pad = "x".repeat(400);
    for (int i = 0; i < 8000; i++) {
      api.atInfo().addKeyValue("i", i).addKeyValue("url", "http://user:hunter2@proxy:3128/?token=wst.1.abc")
          .log("GET /v1/x?token=wrn_supersecretvalue1234 Bearer wrn_othersecret99999 " + pad);
    }
    ((LoggerContext) LoggerFactory.getILoggerFactory()).stop();
    List<Path> files;
    try (Stream<Path> s = Files.list(dir)) {
      files = s.sorted().toList();
    }
    assertThat(files).anyMatch(p -> p.getFileName().toString().matches("warren\\.\\d{4}-\\d{2}-\\d{2}\\.\\d+\\.log\\.gz"));
    assertThat(files).contains(dir.resolve("warren.log"));
    String current = Files.readString(dir.resolve("warren.log"));
    assertThat(Files.size(dir.resolve("warren.log"))).isLessThan(2L << 20);
    String line = current.lines().filter(l -> l.contains("i=7999")).findFirst().orElseThrow();
    assertThat(line).startsWith("ts=").contains(" level=INFO logger=api msg=\"GET /v1/x?token=*** Bearer *** xxx")
        .contains(" i=7999 url=\"http://user:***@proxy:3128/?token=***\"");
    assertThat(current).doesNotContain("supersecret").doesNotContain("hunter2").doesNotContain("othersecret").doesNotContain("wst.1.abc");
  }
}
