package dev.warren.image;

import dev.warren.error.Problem;
import dev.warren.error.WarrenException;
import dev.warren.store.Store;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.jdbi.v3.core.Handle;

/** Image rows (one per tag). Each method is one statement or one transaction. Thread-safe. */
final class ImageRepository {
  private static final String COLUMNS = "name, tag, digest, layers, config, size_bytes, source, created_at";
  private final Store store;

  ImageRepository(Store store) {
    this.store = store;
  }

  /** Points the tag at the image, replacing what it named before; {@code configBlob} is its OCI config as it came. */
  void put(UserImage i, String configBlob) {
    store.write(h -> {
      h.createUpdate("DELETE FROM images WHERE name = :name AND tag = :tag").bind("name", i.ref().name()).bind("tag", i.ref().tag()).execute();
      var layers = ImageArchive.JSON.createArrayNode();
      i.layers().forEach(layers::add);
      return h.createUpdate("INSERT INTO images (" + COLUMNS + ", config_blob) VALUES (:name, :tag, :digest, :layers, :config, :size, :source, :at,"
          + " :blob)").bind("blob", configBlob)
          .bind("name", i.ref().name()).bind("tag", i.ref().tag()).bind("digest", i.digest()).bind("layers", layers.toString())
          .bind("config", i.config().json().toString()).bind("size", i.sizeBytes()).bind("source", i.source())
          .bind("at", i.createdAt().toEpochMilli()).execute();
    });
  }

  Optional<UserImage> find(ImageRef ref) {
    return store.read(h -> h.createQuery("SELECT " + COLUMNS + " FROM images WHERE name = :name AND tag = :tag")
        .bind("name", ref.name()).bind("tag", ref.tag()).map((rs, ctx) -> row(rs)).findOne());
  }

  /** An image row with this digest (any tag), for what a sandbox made from it needs to know. */
  Optional<UserImage> byDigest(String digest) {
    return store.read(h -> h.createQuery("SELECT " + COLUMNS + " FROM images WHERE digest = :digest ORDER BY created_at DESC")
        .bind("digest", digest).map((rs, ctx) -> row(rs)).findFirst());
  }

  /** The OCI config of the image the tag names, as it came. */
  Optional<String> configBlob(ImageRef ref) {
    return store.read(h -> h.createQuery("SELECT config_blob FROM images WHERE name = :name AND tag = :tag").bind("name", ref.name())
        .bind("tag", ref.tag()).mapTo(String.class).findOne());
  }

  List<UserImage> all() {
    return store.read(h -> h.createQuery("SELECT " + COLUMNS + " FROM images ORDER BY name, tag").map((rs, ctx) -> row(rs)).list());
  }

  /**
   * Deletes the tag unless a sandbox was made from the image it names (409 naming them); false
   * when there was no such tag.
   */
  boolean delete(ImageRef ref) {
    return store.write(h -> {
      Optional<String> digest = h.createQuery("SELECT digest FROM images WHERE name = :name AND tag = :tag").bind("name", ref.name())
          .bind("tag", ref.tag()).mapTo(String.class).findOne();
      if (digest.isEmpty()) {
        return false;
      }
      List<String> users = users(h, digest.get());
      if (!users.isEmpty()) {
        throw new WarrenException(Problem.CONFLICT, "image " + ref + " is used by " + users
            + " (sandboxes made from it, snapshots of those); delete those first");
      }
      return h.createUpdate("DELETE FROM images WHERE name = :name AND tag = :tag").bind("name", ref.name()).bind("tag", ref.tag()).execute() > 0;
    });
  }

  /** The sandboxes made from the image {@code digest}, then the snapshots over it (whose sandboxes may be gone). */
  List<String> users(String digest) {
    return store.read(h -> users(h, digest));
  }

  private static List<String> users(Handle h, String digest) {
    List<String> out = new ArrayList<>(h.createQuery("SELECT id FROM sandboxes WHERE image_digest = :digest ORDER BY id").bind("digest", digest)
        .mapTo(String.class).list());
    out.addAll(h.createQuery("SELECT id FROM snapshots WHERE image_digest = :digest ORDER BY id").bind("digest", digest).mapTo(String.class).list());
    return out;
  }

  /** The image a build step made, by its cache key ({@code ref} is {@code sha256:<hex>}, the digest as a reference). */
  Optional<UserImage> step(String cacheKey) {
    return store.read(h -> h.createQuery("SELECT digest, layers, config, size_bytes, created_at FROM image_build_steps WHERE cache_key = :key")
        .bind("key", cacheKey).map((rs, ctx) -> stepRow(rs)).findOne());
  }

  /** A build step's image by its digest or a prefix of it of 56 hex digits or more, any key. */
  Optional<UserImage> stepByDigest(String digest) {
    if (!digest.matches("sha256:[0-9a-f]{56,64}")) {
      return Optional.empty();
    }
    return store.read(h -> h.createQuery("SELECT digest, layers, config, size_bytes, created_at FROM image_build_steps WHERE digest LIKE :digest")
        .bind("digest", digest + "%").map((rs, ctx) -> stepRow(rs)).findFirst());
  }

  /** The OCI config of an image, tagged or a build step's. */
  Optional<String> configBlob(String digest) {
    return store.read(h -> h.createQuery("SELECT config_blob FROM images WHERE digest = :d UNION ALL SELECT config_blob FROM image_build_steps"
        + " WHERE digest = :d").bind("d", digest).mapTo(String.class).findFirst());
  }

  /** Records the image a build step made under its cache key (replacing what the key named). */
  void putStep(String cacheKey, UserImage i, String configBlob) {
    store.write(h -> {
      h.createUpdate("DELETE FROM image_build_steps WHERE cache_key = :key").bind("key", cacheKey).execute();
      var layers = ImageArchive.JSON.createArrayNode();
      i.layers().forEach(layers::add);
      return h.createUpdate("INSERT INTO image_build_steps (cache_key, digest, layers, config, config_blob, size_bytes, created_at)"
          + " VALUES (:key, :digest, :layers, :config, :blob, :size, :at)").bind("key", cacheKey).bind("digest", i.digest())
          .bind("layers", layers.toString()).bind("config", i.config().json().toString()).bind("blob", configBlob)
          .bind("size", i.sizeBytes()).bind("at", i.createdAt().toEpochMilli()).execute();
    });
  }

  private static UserImage stepRow(ResultSet rs) throws SQLException {
    List<String> layers = new ArrayList<>();
    ImageArchive.JSON.readTree(rs.getString("layers")).forEach(n -> layers.add(n.asString()));
    String digest = rs.getString("digest");
    return new UserImage(new ImageRef("sha256", digest.substring("sha256:".length())), digest, layers, ImageConfig.parse(rs.getString("config")),
        rs.getLong("size_bytes"), "build", Instant.ofEpochMilli(rs.getLong("created_at")));
  }

  /** Deletes the build cache's rows whose image no tag, sandbox or snapshot names; returns how many. */
  int pruneSteps() {
    return store.write(h -> h.createUpdate("DELETE FROM image_build_steps WHERE digest NOT IN (SELECT digest FROM images)"
        + " AND digest NOT IN (SELECT image_digest FROM sandboxes) AND digest NOT IN (SELECT image_digest FROM snapshots)").execute());
  }

  /** What is still needed on disk: image digests (of rows, sandboxes and snapshots) and layer digests (of rows). */
  record Live(Set<String> images, Set<String> layers) {}

  Live live() {
    return store.read(h -> {
      Set<String> images = new HashSet<>(h.createQuery("SELECT DISTINCT image_digest FROM sandboxes").mapTo(String.class).list());
      images.addAll(h.createQuery("SELECT DISTINCT image_digest FROM snapshots").mapTo(String.class).list());
      Set<String> layers = new HashSet<>();
      for (UserImage i : h.createQuery("SELECT " + COLUMNS + " FROM images").map((rs, ctx) -> row(rs)).list()) {
        images.add(i.digest());
        layers.addAll(i.layers());
      }
      // the build cache: each step's image stays while its row does
      for (UserImage i : h.createQuery("SELECT digest, layers, config, size_bytes, created_at FROM image_build_steps").map((rs, ctx) -> stepRow(rs))
          .list()) {
        images.add(i.digest());
        layers.addAll(i.layers());
      }
      return new Live(images, layers);
    });
  }

  private static UserImage row(ResultSet rs) throws SQLException {
    List<String> layers = new ArrayList<>();
    ImageArchive.JSON.readTree(rs.getString("layers")).forEach(n -> layers.add(n.asString()));
    return new UserImage(new ImageRef(rs.getString("name"), rs.getString("tag")), rs.getString("digest"), layers,
        ImageConfig.parse(rs.getString("config")), rs.getLong("size_bytes"), rs.getString("source"), Instant.ofEpochMilli(rs.getLong("created_at")));
  }
}
