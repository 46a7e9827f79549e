package dev.warren.browser;

import dev.warren.error.Problem;
import dev.warren.store.Store;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Named browser profiles: a user-data directory saved as a tar file in
 * {@code $WARREN_DATA/profiles/<name>.tar} when a session that writes it ends, and one row in the
 * store. One writer at a time: the row names the session that holds the write lock. Thread-safe.
 */
public final class Profiles {
  /** A profile as listed. */
  public record Profile(String name, long sizeBytes, Instant createdAt, Instant updatedAt, Optional<String> writer) {}

  private final Store store;
  private final Path dir;

  Profiles(Store store, Path dir) {
    this.store = store;
    this.dir = dir;
    try {
      Files.createDirectories(dir);
      Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create " + dir, e);
    }
  }

  Path file(String name) {
    return dir.resolve(name + ".tar");
  }

  public List<Profile> list() {
    return store.read(h -> h.createQuery("SELECT name, size_bytes, created_at, updated_at, writer FROM profiles ORDER BY name")
        .map((rs, c) -> new Profile(rs.getString("name"), rs.getLong("size_bytes"), Instant.ofEpochMilli(rs.getLong("created_at")),
            Instant.ofEpochMilli(rs.getLong("updated_at")), Optional.ofNullable(rs.getString("writer")))).list());
  }

  public Optional<Profile> get(String name) {
    return list().stream().filter(p -> p.name().equals(name)).findFirst();
  }

  /**
   * Takes the write lock of {@code name} for session {@code browserId} (creating the profile when
   * new); 409 when another live session holds it.
   */
  void lock(String name, String browserId) {
    long now = System.currentTimeMillis();
    int taken = store.write(h -> {
      int exists = h.createQuery("SELECT COUNT(*) FROM profiles WHERE name = :n").bind("n", name).mapTo(Integer.class).one();
      if (exists == 0) {
        h.createUpdate("INSERT INTO profiles (name, size_bytes, created_at, updated_at, writer) VALUES (:n, 0, :t, :t, :w)")
            .bind("n", name).bind("t", now).bind("w", browserId).execute();
        return 1;
      }
      return h.createUpdate("UPDATE profiles SET writer = :w WHERE name = :n AND (writer IS NULL OR writer = :w)")
          .bind("n", name).bind("w", browserId).execute();
    });
    if (taken == 0) {
      String holder = get(name).flatMap(Profile::writer).orElse("?");
      throw new BrowserException(Problem.CONFLICT, "profile '" + name + "' is being written by browser session " + holder
          + "; ask for a read-only copy (\"profileReadOnly\": true) or wait until it ends", java.util.Map.of("writer", holder));
    }
  }

  void unlock(String name, String browserId) {
    store.writeOne(h -> h.createUpdate("UPDATE profiles SET writer = NULL WHERE name = :n AND writer = :w")
        .bind("n", name).bind("w", browserId).execute());
  }

  /** Releases every lock held by sessions that are no longer live (after a crash or restart). */
  void releaseStale(java.util.Set<String> liveSessions) {
    for (Profile p : list()) {
      p.writer().filter(w -> !liveSessions.contains(w)).ifPresent(w -> unlock(p.name(), w));
    }
  }

  /** Stores a new copy of the profile's content atomically. */
  void save(String name, InputStream tar) {
    Path tmp = dir.resolve("." + name + ".tar.tmp");
    try {
      long size = Files.copy(tar, tmp, StandardCopyOption.REPLACE_EXISTING);
      Files.move(tmp, file(name), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      long now = System.currentTimeMillis();
      store.writeOne(h -> h.createUpdate("UPDATE profiles SET size_bytes = :s, updated_at = :t WHERE name = :n")
          .bind("s", size).bind("t", now).bind("n", name).execute());
    } catch (IOException e) {
      throw new BrowserException(Problem.UNAVAILABLE, "cannot save profile " + name + ": " + e.getMessage(), e);
    }
  }

  /** The saved content, if the profile has any yet. */
  Optional<Path> content(String name) {
    Path f = file(name);
    return Files.isRegularFile(f) ? Optional.of(f) : Optional.empty();
  }

  public InputStream export(String name) {
    get(name).orElseThrow(() -> new BrowserException(Problem.NOT_FOUND, "no profile " + name));
    try {
      Path f = file(name);
      return Files.isRegularFile(f) ? Files.newInputStream(f) : InputStream.nullInputStream();
    } catch (IOException e) {
      throw new BrowserException(Problem.UNAVAILABLE, "cannot read profile " + name + ": " + e.getMessage(), e);
    }
  }

  public void delete(String name) {
    Profile p = get(name).orElseThrow(() -> new BrowserException(Problem.NOT_FOUND, "no profile " + name));
    if (p.writer().isPresent()) {
      throw new BrowserException(Problem.CONFLICT, "profile '" + name + "' is in use by browser session " + p.writer().get());
    }
    store.writeOne(h -> h.createUpdate("DELETE FROM profiles WHERE name = :n").bind("n", name).execute());
    try {
      Files.deleteIfExists(file(name));
    } catch (IOException e) {
      throw new BrowserException(Problem.UNAVAILABLE, "cannot delete profile " + name + ": " + e.getMessage(), e);
    }
  }
}
