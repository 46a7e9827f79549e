package dev.warren.stream;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warren.config.Config;
import dev.warren.store.Store;
import dev.warren.testing.TestDatabases;
import java.nio.file.Files;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** Viewer sessions and handoffs in the store, on SQLite and on PostgreSQL. */
class LiveStoreTest {

  abstract static class Contract {
    Store store;
    ViewerRepository viewers;
    HandoffRepository handoffs;
    final Map<String, String> settings = new HashMap<>();

    abstract Map<String, String> database();

    abstract void dropDatabase();

    @BeforeEach
    void open() throws Exception {
      settings.put("WARREN_DATA", Files.createTempDirectory("warren-live-store-test").toString());
      settings.putAll(database());
      store = Store.open(Config.from(settings));
      viewers = new ViewerRepository(store);
      handoffs = new HandoffRepository(store);
    }

    @AfterEach
    void close() throws Exception {
      store.close();
      dropDatabase();
      new ProcessBuilder("rm", "-rf", settings.get("WARREN_DATA")).start().waitFor();
    }

    @Test
    void oneViewerHoldsControlAndRowsFollowTheirGeneration() {
      String t = "brw_01jd6q0000000000000000000a";
      viewers.connected(t, "a", 1, "control");
      viewers.connected(t, "b", 1, "view");
      assertThat(viewers.holder(t)).isEmpty();
      assertThat(viewers.take(t, "a")).isEmpty();
      assertThat(viewers.take(t, "b")).contains("a");
      assertThat(viewers.holder(t)).contains("b");
      assertThat(viewers.release(t, "a")).isFalse();
      // a reconnect to the next generation keeps the row, and control
      viewers.connected(t, "b", 2, "control");
      assertThat(viewers.of(t, "b"::equals)).extracting(ViewerSession::viewerId, ViewerSession::generation, ViewerSession::control,
          ViewerSession::connected).containsExactly(org.assertj.core.groups.Tuple.tuple("a", 1L, false, false),
              org.assertj.core.groups.Tuple.tuple("b", 2L, true, true));
      assertThat(viewers.release(t, "b")).isTrue();
      assertThat(viewers.holder(t)).isEmpty();
      viewers.forget(t);
      assertThat(viewers.of(t, v -> true)).isEmpty();
    }

    @Test
    void aViewerIdIsClaimedByOneTokenAlone() {
      String t = "brw_01jd6q0000000000000000000b";
      assertThat(viewers.claim(t, "boss", "owner-a", "control")).as("a new id").isTrue();
      assertThat(viewers.claim(t, "boss", "owner-a", "control")).as("its owner again").isTrue();
      assertThat(viewers.claim(t, "boss", "owner-b", "view")).as("another token").isFalse();
      viewers.connected(t, "boss", 3, "control");
      assertThat(viewers.take(t, "boss")).isEmpty();
      assertThat(viewers.claim(t, "boss", "owner-b", "view")).as("still another token's, holding control").isFalse();
      assertThat(viewers.holder(t)).contains("boss");
      // a row from before owners were kept is claimed by the first token that connects with it
      viewers.connected(t, "old", 3, "view");
      assertThat(viewers.claim(t, "old", "owner-b", "view")).isTrue();
      assertThat(viewers.claim(t, "old", "owner-a", "view")).isFalse();
      assertThat(viewers.of(t, v -> true)).extracting(ViewerSession::viewerId).containsExactly("boss", "old");
    }

    @Test
    void aHandoffMovesOnlyFromTheStateItWasSeenIn() {
      Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
      Handoff h = new Handoff("hnd_01jd6q0000000000000000000a", "brw_01jd6q0000000000000000000a", Handoff.State.WAITING,
          "log in, 'please' — ünïcode", Optional.empty(), false, Optional.empty(), now, now, Optional.empty());
      handoffs.insert(h);
      assertThat(handoffs.find(h.id())).contains(h);
      assertThat(handoffs.open(h.browserId())).contains(h);
      Handoff taken = h.with(Handoff.State.IN_PROGRESS, Optional.of("human"), false, Optional.empty());
      assertThat(handoffs.update(taken, Handoff.State.WAITING)).isTrue();
      Handoff done = taken.with(Handoff.State.DONE, taken.takenBy(), true, Optional.of("handed back"));
      assertThat(handoffs.update(done, Handoff.State.WAITING)).as("a stale transition").isFalse();
      assertThat(handoffs.update(done, Handoff.State.IN_PROGRESS)).isTrue();
      Handoff stored = handoffs.find(h.id()).orElseThrow();
      assertThat(stored.state()).isEqualTo(Handoff.State.DONE);
      assertThat(stored.profileSaved()).isTrue();
      assertThat(stored.endedAt()).isPresent();
      assertThat(handoffs.open(h.browserId())).isEmpty();
      assertThat(handoffs.list(Optional.of("done"), Optional.empty(), 10)).extracting(Handoff::id).containsExactly(h.id());
      assertThat(handoffs.list(Optional.of("open"), Optional.empty(), 10)).isEmpty();
      assertThat(handoffs.list(Optional.empty(), Optional.of(h.browserId()), 10)).hasSize(1);
    }
  }

  @Nested
  class OnSqlite extends Contract {
    @Override
    Map<String, String> database() {
      return Map.of();
    }

    @Override
    void dropDatabase() {}
  }

  @Nested
  class OnPostgres extends Contract {
    TestDatabases.Postgres pg;

    @Override
    Map<String, String> database() {
      pg = TestDatabases.postgres();
      return pg.settings();
    }

    @Override
    void dropDatabase() {
      pg.close();
    }
  }
}
