package dev.warren.image;

import dev.warren.error.Problem;
import dev.warren.error.WarrenException;
import dev.warren.host.Tool;
import dev.warren.host.ToolException;
import dev.warren.store.Store;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;

/**
 * User images: imported OCI layouts and {@code docker save} tarballs, and pulls (the same path
 * with a download in front), named by tags in the store.
 *
 * <p>On disk under {@code dir} (root's, 0700: no host user and no sandbox uid traverses it):
 * {@code layers/<hex>.tar}, each layer uncompressed and named by its digest (the OCI diff_id),
 * written once and shared by every image that has it; {@code rootfs/<hex>/}, the layers of the
 * image with config digest {@code <hex>} applied in order (whiteouts and opaque directories
 * applied), which sandboxes stack as their read-only lower, as they do a golden image's; and
 * {@code tmp/<import id>/} where an import works until it is complete. A complete import's layers
 * and root filesystem are moved into place and its tag written under one lock that the garbage
 * collection takes too, so neither sees the other half done; what a killed controller left in
 * {@code tmp/}, or moved into place without its row, is removed at start-up ({@link #reconcile}).
 * A root filesystem stays while an image row, a sandbox or a snapshot names its digest: re-importing a tag
 * never changes a sandbox made from what the tag named before.
 *
 * <p>Thread-safe: imports run in parallel, each in its own directory.
 */
public final class ImageStore {
  private static final Logger log = LoggerFactory.getLogger(ImageStore.class);
  private static final Duration SYNC_TIMEOUT = Duration.ofMinutes(10);
  /** The largest archive an import reads. */
  public static final long MAX_IMPORT_BYTES = 8L << 30;

  private final ImageRepository repo;
  private final Path dir;
  private final ReentrantLock installing = new ReentrantLock();

  private ImageStore(Store store, Path dir) {
    this.repo = new ImageRepository(store);
    this.dir = dir;
  }

  /** The user images of the store, their files under {@code dir} (created root's, 0700). */
  public static ImageStore open(Store store, Path dir) {
    ImageStore s = new ImageStore(store, dir);
    try {
      dev.warren.host.FileModes.privateDirectory(dir);
      for (String sub : List.of("layers", "rootfs", "tmp")) {
        dev.warren.host.FileModes.privateDirectory(dir.resolve(sub));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot prepare the user images directory " + dir, e);
    }
    return s;
  }

  /** Imports the archive read from {@code body} as {@code ref} (replacing what the tag named); 400 when it is not an image, 413 past {@code limit}. */
  public UserImage importArchive(InputStream body, ImageRef ref, long limit) {
    return withWorkDir(work -> {
      long t0 = System.nanoTime();
      ImageArchive archive = ImageArchive.unpack(body, work.resolve("archive"), limit);
      long received = System.nanoTime();
      UserImage i = install(archive, work, ref, "import");
      log.info("imported image {} {} ({} layers, {} bytes) in {} ms: archive received in {} ms", ref, i.digest(), i.layers().size(),
          i.sizeBytes(), (System.nanoTime() - t0) / 1_000_000, (received - t0) / 1_000_000);
      return i;
    });
  }

  /** Imports the OCI layout that {@code fill} writes into the directory it is given (a pull). */
  public UserImage importLayout(ImageRef ref, String source, LayoutWriter fill) {
    return withWorkDir(work -> {
      Path layout = work.resolve("archive");
      Files.createDirectories(layout);
      fill.write(layout);
      return install(ImageArchive.of(layout), work, ref, source);
    });
  }

  /** Writes an OCI image layout into a directory. */
  @FunctionalInterface
  public interface LayoutWriter {
    void write(Path layout) throws IOException;
  }

  @FunctionalInterface
  private interface Work<T> {
    T in(Path work) throws IOException;
  }

  private <T> T withWorkDir(Work<T> w) {
    Path work = dir.resolve("tmp").resolve(dev.warren.error.Ids.next("imp"));
    try {
      Files.createDirectories(work);
      return w.in(work);
    } catch (TarReader.Malformed | java.io.EOFException e) {
      throw ImageArchive.invalid("the archive or one of its layers is not a complete tar: " + e.getMessage());
    } catch (IOException e) {
      throw new WarrenException(Problem.UNAVAILABLE, "cannot import the image: " + e.getMessage(), e);
    } finally {
      try {
        LayerUnpacker.delete(work);
      } catch (IOException e) {
        log.warn("cannot remove {}: {}", work, e.toString());
      }
    }
  }

  private UserImage install(ImageArchive archive, Path work, ImageRef ref, String source) throws IOException {
    long t0 = System.nanoTime();
    ImageArchive.Contents c = archive.contents();
    JsonNode config;
    try {
      config = ImageArchive.JSON.readTree(c.config());
    } catch (tools.jackson.core.JacksonException e) {
      throw ImageArchive.invalid("the image config is not JSON: " + e.getOriginalMessage());
    }
    List<String> diffIds = new ArrayList<>();
    config.path("rootfs").path("diff_ids").forEach(n -> diffIds.add(n.asString("")));
    if (diffIds.size() != c.layers().size()) {
      throw ImageArchive.invalid("the image config lists " + diffIds.size() + " layers (rootfs.diff_ids), its manifest " + c.layers().size());
    }
    String hex = c.configDigest().substring("sha256:".length());
    Path layersTmp = Files.createDirectories(work.resolve("layers"));
    List<Path> tars = new ArrayList<>();
    long size = 0;
    java.util.Map<Path, Integer> seen = new java.util.HashMap<>();
    for (int i = 0; i < c.layers().size(); i++) {
      Path tar = layersTmp.resolve(i + ".tar");
      Integer same = seen.putIfAbsent(c.layers().get(i), i);
      String diffId;
      if (same != null) {
        // the same file twice (identical layers): the first use moved or consumed it
        Files.copy(tars.get(same), tar);
        diffId = diffIds.get(same);
      } else {
        diffId = uncompress(c.layers().get(i), tar);
      }
      if (!diffId.equals(diffIds.get(i))) {
        throw ImageArchive.invalid("layer " + (i + 1) + " is " + diffId + " uncompressed, but the image config says " + diffIds.get(i));
      }
      Files.deleteIfExists(c.layers().get(i));
      tars.add(tar);
      size += Files.size(tar);
    }
    long checked = System.nanoTime();
    Path rootfs = work.resolve("rootfs");
    if (!Files.isDirectory(rootfs(hex))) {
      Files.createDirectory(rootfs);
      Files.setPosixFilePermissions(rootfs, dev.warren.host.FileModes.permissions(0755));
      LayerUnpacker unpacker = new LayerUnpacker(rootfs);
      for (int i = 0; i < tars.size(); i++) {
        try (InputStream in = new BufferedInputStream(Files.newInputStream(tars.get(i)), 1 << 16)) {
          unpacker.apply(in, diffIds.get(i));
        }
      }
      if (unpacker.skippedDevices() > 0) {
        log.info("image {}: {} device nodes and FIFOs left out", ref, unpacker.skippedDevices());
      }
    }
    long applied = System.nanoTime();
    sync(work);
    log.info("image {}: layers checked in {} ms, applied in {} ms, written to disk in {} ms", ref, (checked - t0) / 1_000_000,
        (applied - checked) / 1_000_000,
        (System.nanoTime() - applied) / 1_000_000);
    UserImage image = new UserImage(ref, c.configDigest(), diffIds, ImageConfig.ofOci(config), size, source, Instant.now());
    installing.lock();
    try {
      for (int i = 0; i < tars.size(); i++) {
        Path to = layer(diffIds.get(i));
        if (!Files.exists(to)) {
          Files.move(tars.get(i), to, StandardCopyOption.ATOMIC_MOVE);
        }
      }
      if (!Files.isDirectory(rootfs(hex))) {
        if (!Files.isDirectory(rootfs)) {
          throw new WarrenException(Problem.UNAVAILABLE, "the root filesystem of " + c.configDigest() + " was removed while " + ref
              + " was imported; import it again");
        }
        Files.move(rootfs, rootfs(hex), StandardCopyOption.ATOMIC_MOVE);
      }
      sync(dir.resolve("rootfs"));
      repo.put(image, new String(c.config(), java.nio.charset.StandardCharsets.UTF_8));
    } finally {
      installing.unlock();
    }
    return image;
  }

  /**
   * Writes the layer at {@code from} (gzip or plain tar) uncompressed to {@code to}, moving a plain
   * one rather than copying it; returns its digest.
   */
  private static String uncompress(Path from, Path to) throws IOException {
    MessageDigest sha = ImageArchive.digest();
    if (!gzip(from)) {
      try (InputStream in = new java.security.DigestInputStream(Files.newInputStream(from), sha)) {
        in.transferTo(OutputStream.nullOutputStream());
      }
      Files.move(from, to);
      return "sha256:" + HexFormat.of().formatHex(sha.digest());
    }
    try (InputStream raw = new BufferedInputStream(Files.newInputStream(from), 1 << 16);
        OutputStream out = new DigestOutputStream(new java.io.BufferedOutputStream(Files.newOutputStream(to), 1 << 16), sha)) {
      raw.mark(2);
      boolean gzip = raw.read() == 0x1f && raw.read() == 0x8b;
      raw.reset();
      try (InputStream in = gzip ? new GZIPInputStream(raw, 1 << 16) : raw) {
        in.transferTo(out);
      } catch (java.util.zip.ZipException e) {
        throw ImageArchive.invalid("a layer is not valid gzip: " + e.getMessage());
      }
    }
    return "sha256:" + HexFormat.of().formatHex(sha.digest());
  }

  private static boolean gzip(Path f) throws IOException {
    try (InputStream in = Files.newInputStream(f)) {
      return in.read() == 0x1f && in.read() == 0x8b;
    }
  }

  private static void sync(Path p) {
    try {
      Tool.check(List.of("sync", "--file-system", "--", p.toString()), SYNC_TIMEOUT);
    } catch (ToolException e) {
      throw new WarrenException(Problem.UNAVAILABLE, "cannot write " + p + " to disk: " + e.getMessage(), e);
    }
  }

  public Optional<UserImage> find(ImageRef ref) {
    return repo.find(ref);
  }

  /** An image row with the digest (any tag); empty once no tag names it. */
  public Optional<UserImage> byDigest(String digest) {
    return repo.byDigest(digest);
  }

  public List<UserImage> list() {
    return repo.all();
  }

  /** The sandboxes made from the image {@code digest}, and the snapshots over it. */
  public List<String> users(String digest) {
    return repo.users(digest);
  }

  /** Deletes the tag (404 when there is none, 409 while a sandbox or a snapshot uses its image), then what nothing needs any more. */
  public void delete(ImageRef ref) {
    if (!repo.delete(ref)) {
      throw new WarrenException(Problem.NOT_FOUND, "no image " + ref);
    }
    collect();
  }

  /**
   * Writes the image the tag names to {@code out} as an OCI image layout in a tar (plain tar
   * layers, as stored), with a {@code docker save} manifest.json beside it so that docker load
   * reads it too; 404 when there is no such tag. A delete of the tag during the export may remove
   * its layers under it (the export then fails).
   */
  public void export(ImageRef ref, OutputStream out) throws IOException {
    UserImage i = find(ref).orElseThrow(() -> new WarrenException(Problem.NOT_FOUND, "no image " + ref));
    byte[] config = repo.configBlob(ref).orElseThrow(() -> new WarrenException(Problem.NOT_FOUND, "no image " + ref))
        .getBytes(java.nio.charset.StandardCharsets.UTF_8);
    OciLayout.write(i, config, this::layer, out);
  }

  /** The root filesystem of the image with config digest {@code sha256:<hex>}, when it is on disk. */
  public Optional<Path> rootfsOf(String digest) {
    if (!digest.matches("sha256:[0-9a-f]{64}")) {
      return Optional.empty();
    }
    Path p = rootfs(digest.substring(7));
    return Files.isDirectory(p) ? Optional.of(p) : Optional.empty();
  }

  /** A new directory of its own under {@code tmp/} for a build's work; what a killed controller leaves there goes at the next start. */
  public Path workDirectory(String id) {
    Path work = dir.resolve("tmp").resolve(id);
    try {
      Files.createDirectories(work);
    } catch (IOException e) {
      throw new WarrenException(Problem.UNAVAILABLE, "cannot make the work directory " + work + ": " + e.getMessage(), e);
    }
    return work;
  }

  /** The image a build step made under {@code cacheKey}, while its files are on disk. */
  public Optional<UserImage> cachedStep(String cacheKey) {
    return repo.step(cacheKey).filter(i -> rootfsOf(i.digest()).isPresent());
  }

  /** A build step's image by its digest (the reference {@code sha256:<hex>}). */
  public Optional<UserImage> stepByDigest(String digest) {
    return repo.stepByDigest(digest);
  }

  /** The OCI config of the image {@code digest} (tagged or a build step's), as stored. */
  public Optional<String> configBlob(String digest) {
    return repo.configBlob(digest);
  }

  /**
   * Installs what a build step made, under the lock the collection takes: {@code layer} (the
   * step's changes as an uncompressed tar, named by the image's top diff_id) when the step wrote
   * files, {@code rootfs} (the parent's tree with the step applied, on this filesystem) as the
   * image's root filesystem, and the cache row under {@code cacheKey}.
   */
  public UserImage installStep(String cacheKey, UserImage image, String configBlob, Path rootfs, Optional<Path> layer) {
    sync(rootfs);
    installing.lock();
    try {
      if (layer.isPresent()) {
        Path to = layer(image.layers().getLast());
        if (!Files.exists(to)) {
          Files.move(layer.get(), to, StandardCopyOption.ATOMIC_MOVE);
        }
      }
      for (String l : image.layers()) {
        if (!Files.exists(layer(l))) {
          throw new WarrenException(Problem.UNAVAILABLE, "layer " + l + " of the build step " + image.digest() + " was removed meanwhile; build again");
        }
      }
      if (!Files.isDirectory(rootfs(image.hex()))) {
        Files.move(rootfs, rootfs(image.hex()), StandardCopyOption.ATOMIC_MOVE);
      }
      repo.putStep(cacheKey, image, configBlob);
      return image;
    } catch (IOException e) {
      throw new WarrenException(Problem.UNAVAILABLE, "cannot install the build step " + image.digest() + ": " + e.getMessage(), e);
    } finally {
      installing.unlock();
    }
  }

  /** Points the tag {@code ref} at a build step's image (replacing what it named), as an import does. */
  public UserImage tag(ImageRef ref, UserImage step, String configBlob) {
    installing.lock();
    try {
      if (rootfsOf(step.digest()).isEmpty()) {
        throw new WarrenException(Problem.UNAVAILABLE, "the root filesystem of " + step.digest() + " was removed meanwhile; build again");
      }
      UserImage tagged = new UserImage(ref, step.digest(), step.layers(), step.config(), step.sizeBytes(), "build", Instant.now());
      repo.put(tagged, configBlob);
      return tagged;
    } finally {
      installing.unlock();
    }
  }

  /**
   * Empties the build cache: the step images no tag, sandbox or snapshot names are forgotten and
   * their files collected. The caller makes sure no build runs. Returns the steps and the files removed.
   */
  public int[] pruneBuildCache() {
    installing.lock();
    try {
      return new int[] {repo.pruneSteps(), collect()};
    } finally {
      installing.unlock();
    }
  }

  /** The file of a layer ({@code sha256:…}), for exports. */
  public Path layer(String diffId) {
    return dir.resolve("layers").resolve(diffId.substring("sha256:".length()) + ".tar");
  }

  private Path rootfs(String hex) {
    return dir.resolve("rootfs").resolve(hex);
  }

  /**
   * Removes the layers and root filesystems that no image row, sandbox or snapshot names; returns how
   * many. Imports in flight are not touched: theirs are in {@code tmp/} until they install under
   * the same lock.
   */
  public int collect() {
    installing.lock();
    try {
      ImageRepository.Live live = repo.live();
      int removed = 0;
      for (Path p : entries(dir.resolve("rootfs"))) {
        if (!live.images().contains("sha256:" + p.getFileName())) {
          LayerUnpacker.delete(p);
          removed++;
        }
      }
      for (Path p : entries(dir.resolve("layers"))) {
        String name = p.getFileName().toString();
        if (!live.layers().contains("sha256:" + name.replace(".tar", ""))) {
          Files.delete(p);
          removed++;
        }
      }
      return removed;
    } catch (IOException e) {
      throw new WarrenException(Problem.UNAVAILABLE, "cannot remove unused image files under " + dir + ": " + e.getMessage(), e);
    } finally {
      installing.unlock();
    }
  }

  /**
   * At start-up, before anything imports: removes what imports a killed controller left half done
   * ({@code tmp/}) and what nothing names; returns a line saying what it did.
   */
  public String reconcile() {
    int unfinished = 0;
    try {
      for (Path p : entries(dir.resolve("tmp"))) {
        LayerUnpacker.delete(p);
        unfinished++;
      }
    } catch (IOException e) {
      throw new WarrenException(Problem.UNAVAILABLE, "cannot remove unfinished imports under " + dir.resolve("tmp") + ": " + e.getMessage(), e);
    }
    int unused = collect();
    return unfinished + " unfinished imports and " + unused + " unused layers or root filesystems removed";
  }

  private static List<Path> entries(Path d) throws IOException {
    try (Stream<Path> s = Files.list(d)) {
      return s.toList();
    }
  }
}
