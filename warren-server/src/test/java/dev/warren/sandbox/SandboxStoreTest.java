package dev.warren.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.warren.config.Config;
import dev.warren.events.Events;
import dev.warren.net.EgressEvent;
import dev.warren.net.EgressLog;
import dev.warren.net.EgressPolicy;
import dev.warren.runtime.Limits;
import dev.warren.store.Store;
import dev.warren.store.StoreException;
import dev.warren.testing.TestDatabases;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** One store test suite, run on SQLite and on PostgreSQL. */
class SandboxStoreTest {

  abstract static class Contract {
    Store store;
    SandboxRepository repo;
    Map<String, String> settings = new HashMap<>();

    abstract Map<String, String> database() throws Exception;

    abstract void dropDatabase() throws Exception;

    Config config() {
      return Config.from(settings);
    }

    @BeforeEach
    void open() throws Exception {
      Path data = Files.createTempDirectory("warren-store-test");
      settings.put("WARREN_DATA", data.toString());
      settings.putAll(database());
      store = Store.open(config());
      repo = new SandboxRepository(store);
    }

    @AfterEach
    void close() throws Exception {
      store.close();
      dropDatabase();
      new ProcessBuilder("rm", "-rf", settings.get("WARREN_DATA")).start().waitFor();
    }

    static Sandbox sandbox(String id, int slot, Map<String, String> labels) {
      // sandbox "b" was made before disk limits: it has none
      Limits limits = id.equals("sbx_b") ? new Limits(256, 100, 0.5, Limits.NO_DISK, Limits.NO_DISK) : new Limits(256, 100, 0.5, 64, 4096);
      SandboxSpec spec = new SandboxSpec("base", Map.of("K", "v with 'quotes' and ünïcode"), labels, limits,
          new EgressPolicy(List.of("example.com:443"), Optional.of(URI.create("http://u:p@proxy:3128"))), Duration.ofMinutes(5));
      Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
      return new Sandbox(id, SandboxState.CREATING, Optional.empty(), spec, "sha256:abc", 1, slot, "10.200.0." + (slot + 2), now,
          Optional.empty(), Optional.empty(), now);
    }

    @Test
    void sandboxRowsRoundTripAndFilter() {
      Sandbox a = sandbox("sbx_a", 0, Map.of("team", "red"));
      Sandbox b = sandbox("sbx_b", 1, Map.of("team", "blue", "tier", "x"));
      store.write(h -> {
        repo.insert(h, a);
        repo.insert(h, b);
        return null;
      });
      assertThat(repo.find("sbx_a")).contains(a);
      assertThat(repo.find("sbx_a").orElseThrow().spec().limits().diskMb()).isEqualTo(64);
      assertThat(repo.find("sbx_b").orElseThrow().spec().limits().hasDisk()).isFalse();
      Sandbox running = new Sandbox(b.id(), SandboxState.RUNNING, Optional.empty(), b.spec(), b.imageDigest(), 2, b.slot(), b.address(),
          b.createdAt(), Optional.of(b.createdAt().plusSeconds(1)), Optional.empty(), b.lastActivityAt());
      repo.update(running);
      assertThat(repo.find("sbx_b")).contains(running);
      assertThat(repo.list(Map.of("team", "blue"), Optional.empty())).extracting(Sandbox::id).containsExactly("sbx_b");
      assertThat(repo.list(Map.of("team", "blue", "tier", "x"), Optional.of(SandboxState.RUNNING))).hasSize(1);
      assertThat(repo.list(Map.of("team", "blue"), Optional.of(SandboxState.STOPPED))).isEmpty();
      assertThat(repo.list(Map.of(), Optional.empty())).extracting(Sandbox::id).containsExactly("sbx_a", "sbx_b");
      repo.delete("sbx_a");
      assertThat(repo.find("sbx_a")).isEmpty();
      assertThat(repo.all()).extracting(Sandbox::id).containsExactly("sbx_b");
    }

    static Sandbox withVolumes(Sandbox s, List<dev.warren.runtime.VolumeMount> volumes) {
      SandboxSpec p = s.spec();
      return new Sandbox(s.id(), s.state(), s.stateReason(), p.withVolumes(volumes), s.imageDigest(), s.generation(), s.slot(), s.address(),
          s.createdAt(), s.startedAt(), s.stoppedAt(), s.lastActivityAt());
    }

    @Test
    void volumeMountsRoundTripHaveOneWriterAndAreReleasedWithTheirSandbox() {
      store.writeOne(h -> h.createUpdate("INSERT INTO volumes (name, size_mb, created_at) VALUES ('v', 32, 0)").execute());
      Sandbox a = withVolumes(sandbox("sbx_a", 0, Map.of()), List.of(new dev.warren.runtime.VolumeMount("v", "/data", false)));
      store.write(h -> {
        repo.insert(h, a);
        return null;
      });
      assertThat(repo.find("sbx_a").orElseThrow().spec().volumes()).isEqualTo(a.spec().volumes());
      // a second writer is refused by the check, and by the database itself under it
      Sandbox b = withVolumes(sandbox("sbx_b", 1, Map.of()), List.of(new dev.warren.runtime.VolumeMount("v", "/data", false)));
      assertThatThrownBy(() -> store.write(h -> {
        repo.insert(h, b);
        return null;
      })).hasMessageContaining("sbx_a");
      assertThatThrownBy(() -> store.write(h -> h.createUpdate("INSERT INTO sandboxes (id, state, image, image_digest, generation, slot, "
          + "address, spec, created_at, last_activity_at, updated_at) VALUES ('sbx_x', 'creating', 'base', 'd', 1, 9, '10.200.0.99', '{}', 0, 0, 0)")
          .execute() + h.createUpdate("INSERT INTO volume_mounts (sandbox_id, volume_name, path, read_only) VALUES ('sbx_x', 'v', '/d', 0)")
          .execute())).isInstanceOf(RuntimeException.class);
      assertThatThrownBy(() -> store.write(h -> {
        repo.insert(h, withVolumes(sandbox("sbx_c", 2, Map.of()), List.of(new dev.warren.runtime.VolumeMount("nope", "/n", true))));
        return null;
      })).hasMessageContaining("volumes[0].name");
      store.write(h -> {
        repo.insert(h, withVolumes(b, List.of(new dev.warren.runtime.VolumeMount("v", "/data", true))));
        return null;
      });
      repo.delete("sbx_a");
      int mounts = store.read(h -> h.createQuery("SELECT COUNT(*) FROM volume_mounts WHERE read_only = 0").mapTo(Integer.class).one());
      assertThat(mounts).isZero();
      assertThat(repo.all()).extracting(Sandbox::id).contains("sbx_b").doesNotContain("sbx_a", "sbx_c");
    }

    @Test
    void slotsAndAddressesAreUniqueAndAFailedWriteChangesNothing() {
      store.write(h -> {
        repo.insert(h, sandbox("sbx_a", 0, Map.of()));
        return null;
      });
      assertThatThrownBy(() -> store.write(h -> {
        repo.insert(h, sandbox("sbx_c", 3, Map.of("x", "1")));
        repo.insert(h, sandbox("sbx_b", 0, Map.of()));
        return null;
      })).isInstanceOf(RuntimeException.class);
      assertThat(repo.all()).extracting(Sandbox::id).containsExactly("sbx_a");
      int labels = store.read(h -> h.createQuery("SELECT COUNT(*) FROM sandbox_labels").mapTo(Integer.class).one());
      assertThat(labels).isZero();
    }

    @Test
    void concurrentWritersAllLand() throws Exception {
      for (int i = 0; i < 8; i++) {
        int n = i;
        store.write(h -> {
          repo.insert(h, sandbox("sbx_" + n, n, Map.of()));
          return null;
        });
      }
      try (ExecutorService pool = Executors.newFixedThreadPool(8)) {
        List<Future<?>> fs = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
          int n = i;
          fs.add(pool.submit(() -> {
            for (int k = 1; k <= 40; k++) {
              Sandbox s = repo.find("sbx_" + n).orElseThrow();
              repo.update(new Sandbox(s.id(), SandboxState.RUNNING, Optional.empty(), s.spec(), s.imageDigest(), k, s.slot(), s.address(),
                  s.createdAt(), s.startedAt(), s.stoppedAt(), s.lastActivityAt()));
            }
          }));
        }
        for (Future<?> f : fs) {
          f.get();
        }
      }
      assertThat(repo.all()).allSatisfy(s -> assertThat(s.generation()).isEqualTo(40));
    }

    @Test
    void eventsAndEgressRecordsAreKept() {
      Events events = new Events(store);
      events.record("sandbox.created", "sbx_e", "first");
      events.record("sandbox.stopped", "sbx_e", "second");
      assertThat(events.list(Optional.of("sbx_e"), 10)).extracting(e -> e.detail()).containsExactly("second", "first");
      try (EgressLog log = new EgressLog(store, dev.warren.config.EgressLimits.DEFAULT)) {
        log.accept(new EgressEvent(Optional.of("sbx_e"), "10.200.0.2", "CONNECT", "example.com", 443, true, Optional.empty(), false,
            10, 20, Instant.now(), Duration.ofMillis(5)));
        assertThat(log.forSandbox("sbx_e", 10)).singleElement().satisfies(e -> {
          assertThat(e.host()).isEqualTo("example.com");
          assertThat(e.bytesIn()).isEqualTo(20);
        });
      }
    }

    @Test
    void aDatabaseFromANewerWarrenIsRefused() {
      store.write(h -> h.createUpdate("INSERT INTO flyway_schema_history (installed_rank, version, description, type, script, "
          + "checksum, installed_by, execution_time, success) VALUES (99, '999', 'future', 'SQL', 'V999__future.sql', 0, 'test', 0, "
          + (this instanceof OnPostgres ? "true" : "1") + ")").execute());
      store.close();
      assertThatThrownBy(() -> Store.open(config())).isInstanceOf(StoreException.class)
          .hasMessageContaining("newer Warren").hasMessageContaining("downgrades are refused");
      store = Store.open(Config.from(Map.of("WARREN_DATA", settings.get("WARREN_DATA"), "WARREN_DB_URL", "jdbc:sqlite:"
          + settings.get("WARREN_DATA") + "/other.db")));
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

    @Test
    void theDatabaseFileIsPrivate() throws Exception {
      Path db = Path.of(settings.get("WARREN_DATA"), "warren.db");
      assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(db))).isEqualTo("rw-------");
      assertThat(store.kind()).isEqualTo("sqlite");
    }
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

    @Test
    void itIsPostgres() {
      assertThat(store.kind()).isEqualTo("postgresql");
    }
  }
}
