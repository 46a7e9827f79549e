package dev.warren.snapshot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.warren.config.Config;
import dev.warren.store.Store;
import dev.warren.testing.TestDatabases;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Snapshot rows on SQLite and on PostgreSQL: found by id or name, made ready, names unique, stacks found, ready ones listed by label. */
class SnapshotRepositoryTest {

  @ParameterizedTest
  @ValueSource(strings = {"sqlite", "postgresql"})
  void rowsRoundTripAndNamesAreUnique(String kind) throws Exception {
    Path data = Files.createTempDirectory("warren-snapshot-store-test");
    Map<String, String> settings = new HashMap<>(Map.of("WARREN_DATA", data.toString()));
    TestDatabases.Postgres pg = kind.equals("postgresql") ? TestDatabases.postgres() : null;
    if (pg != null) {
      settings.putAll(pg.settings());
    }
    try (Store store = Store.open(Config.from(settings))) {
      assertThat(store.kind()).isEqualTo(kind);
      SnapshotRepository repo = new SnapshotRepository(store);
      Instant at = Instant.now().truncatedTo(ChronoUnit.MILLIS);
      Snapshot base = new Snapshot("snap_a", Optional.of("first"), Snapshot.State.CREATING, Snapshot.API, "sbx_x", "base", "sha256:d",
          Optional.empty(), false, 1, Optional.empty(), 0, Map.of("k", "ünï 'v'"), at);
      repo.insert(base);
      assertThat(repo.find("first")).contains(base);
      // a block layer keeps its source's host uids: the base it was captured at is stored with it
      Snapshot ready = base.ready("snap_a.img", 42, 2_000_000_000L);
      repo.markReady(ready);
      assertThat(repo.find("snap_a")).contains(ready);
      assertThat(repo.find("snap_a").orElseThrow().layerUidBase()).isEqualTo(2_000_000_000L);
      Snapshot child = new Snapshot("snap_b", Optional.empty(), Snapshot.State.READY, Snapshot.FORK, "sbx_y", "base", "sha256:d",
          Optional.of("snap_a"), false, 2, Optional.of("cd34"), 7, Map.of(), at.plusMillis(1));
      Snapshot flat = new Snapshot("snap_c", Optional.of("snap_b"), Snapshot.State.READY, Snapshot.API, "sbx_z", "base", "sha256:d",
          Optional.of("snap_a"), true, 1, Optional.of("ef56"), 9, Map.of(), at.plusMillis(2));
      repo.insert(child);
      repo.insert(flat);
      // an id wins over a name that looks like it
      assertThat(repo.find("snap_b")).contains(child);
      assertThat(repo.stackedOn("snap_a")).containsExactly("snap_b");
      assertThat(repo.all()).containsExactly(ready, child, flat);
      assertThat(repo.nameTaken("first")).isTrue();
      assertThatThrownBy(() -> repo.insert(new Snapshot("snap_d", Optional.of("first"), Snapshot.State.CREATING, Snapshot.API, "sbx_x",
          "base", "sha256:d", Optional.empty(), false, 1, Optional.empty(), 0, Map.of(), at))).isInstanceOf(RuntimeException.class);
      // listed: ready rows alone, oldest first, filtered by their labels in the query
      assertThat(repo.ready(Map.of())).containsExactly(ready, child, flat);
      assertThat(repo.ready(Map.of("k", "ünï 'v'"))).containsExactly(ready);
      assertThat(repo.ready(Map.of("k", "ünï"))).isEmpty();
      Snapshot labelled = new Snapshot("snap_e", Optional.empty(), Snapshot.State.READY, Snapshot.API, "sbx_x", "base", "sha256:d",
          Optional.empty(), false, 1, Optional.of("snap_e.img"), 1, Map.of("team.io/owner", "a\"b", "k", "ünï 'v'"), at.plusMillis(3));
      repo.insert(labelled);
      repo.insert(new Snapshot("snap_f", Optional.empty(), Snapshot.State.CREATING, Snapshot.API, "sbx_x", "base", "sha256:d",
          Optional.empty(), false, 1, Optional.empty(), 0, Map.of("k", "ünï 'v'"), at.plusMillis(4)));
      assertThat(repo.ready(Map.of("k", "ünï 'v'"))).containsExactly(ready, labelled);
      assertThat(repo.ready(Map.of("k", "ünï 'v'", "team.io/owner", "a\"b"))).containsExactly(labelled);
      assertThat(repo.ready(Map.of("k", "ünï 'v'", "team.io/owner", "a"))).isEmpty();
      assertThat(repo.ready(Map.of("team.io/owner", "a\"b"))).containsExactly(labelled);
      repo.delete("snap_e");
      repo.delete("snap_f");
      repo.delete("snap_a");
      assertThat(repo.find("first")).isEmpty();
      assertThat(repo.nameTaken("first")).isFalse();
    } finally {
      if (pg != null) {
        pg.close();
      }
      new ProcessBuilder("rm", "-rf", data.toString()).start().waitFor();
    }
  }
}
