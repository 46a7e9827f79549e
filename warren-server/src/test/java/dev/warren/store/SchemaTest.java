package dev.warren.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class SchemaTest {
  private static final Pattern MIGRATION = Pattern.compile("V(\\d+)__.+\\.sql");

  /** A migration added without raising the constant would never be applied to a store that is up to date with the one before. */
  @Test
  void theNewestShippedVersionIsTheHighestMigrationInTheJar() throws Exception {
    Path dir = Path.of(Schema.class.getProtectionDomain().getCodeSource().getLocation().toURI()).resolve("db/migration");
    int highest;
    try (Stream<Path> s = Files.list(dir)) {
      highest = s.map(p -> MIGRATION.matcher(p.getFileName().toString())).filter(Matcher::matches)
          .mapToInt(m -> Integer.parseInt(m.group(1))).max().orElseThrow();
    }
    assertThat(Schema.NEWEST_SHIPPED).as("Schema.NEWEST_SHIPPED against the highest V<n>__*.sql in " + dir).isEqualTo(highest);
  }
}
