package dev.warren.image;

import dev.warren.error.Problem;
import dev.warren.error.WarrenException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * An image archive unpacked into a directory: an OCI image layout ({@code oci-layout},
 * {@code index.json}, {@code blobs/<alg>/<hex>}) or a {@code docker save} tarball
 * ({@code manifest.json}, a config and a tar per layer), which newer Docker writes as both. Reads
 * which config and layers make the image: for an index, the manifest for linux/amd64. The archive's
 * own members are written under the directory with their names checked ({@code ..} refused);
 * symbolic links among them (older {@code docker save} links repeated layers) are kept as a map,
 * never made on disk. Not thread-safe: one import, one thread.
 */
final class ImageArchive {
  static final JsonMapper JSON = JsonMapper.builder().build();
  private static final String PLATFORM = "linux/amd64";

  /** What makes the image: its config and its layers (files of the archive, gzip or plain tar), bottom first. */
  record Contents(byte[] config, String configDigest, List<Path> layers) {}

  private final Path dir;
  private final Map<String, String> links = new HashMap<>();

  private ImageArchive(Path dir) {
    this.dir = dir;
  }

  /** Unpacks the archive read from {@code in} (at most {@code limit} bytes, else 413) into {@code dir}. */
  static ImageArchive unpack(InputStream in, Path dir, long limit) throws IOException {
    ImageArchive a = new ImageArchive(dir);
    Files.createDirectories(dir);
    TarReader r = new TarReader(new Limited(in, limit));
    for (TarReader.Entry e; (e = r.next()) != null; ) {
      String name = normal(e.name());
      if (name.isEmpty()) {
        continue;
      }
      switch (e.type()) {
        case TarReader.DIRECTORY -> Files.createDirectories(dir.resolve(name));
        case TarReader.FILE -> {
          Path p = dir.resolve(name);
          Files.createDirectories(p.getParent());
          try (OutputStream out = Files.newOutputStream(p, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
              StandardOpenOption.WRITE, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            r.content().transferTo(out);
          }
        }
        case TarReader.SYMLINK, TarReader.HARD_LINK -> {
          String parent = name.contains("/") ? name.substring(0, name.lastIndexOf('/') + 1) : "";
          String target = e.type() == TarReader.SYMLINK && !e.linkName().startsWith("/") ? parent + e.linkName() : e.linkName();
          a.links.put(name, normal(target));
        }
        default -> {
          // nothing an image archive needs
        }
      }
    }
    return a;
  }

  /** An OCI layout already on disk (a pull writes one). */
  static ImageArchive of(Path dir) {
    return new ImageArchive(dir);
  }

  /** Reads which config and layers make the image; a 400 naming the body when the archive is not an image. */
  Contents contents() throws IOException {
    if (exists("index.json")) {
      JsonNode manifest = manifest(json("index.json"), 0);
      String configDigest = manifest.path("config").path("digest").asString("");
      byte[] config = blob(configDigest);
      List<Path> layers = new ArrayList<>();
      for (JsonNode l : manifest.path("layers")) {
        String media = l.path("mediaType").asString("");
        if (media.contains("zstd") || media.contains("foreign")) {
          throw invalid("the layer " + l.path("digest").asString("") + " is " + media + ", which Warren does not unpack (gzip or plain tar only)");
        }
        layers.add(file(blobPath(l.path("digest").asString(""))));
      }
      return new Contents(config, configDigest, layers);
    }
    if (exists("manifest.json")) {
      JsonNode m = json("manifest.json");
      if (!m.isArray() || m.size() == 0) {
        throw invalid("manifest.json lists no image");
      }
      JsonNode first = m.get(0);
      byte[] config = small(file(first.path("Config").asString("")));
      List<Path> layers = new ArrayList<>();
      for (JsonNode l : first.path("Layers")) {
        layers.add(file(l.asString("")));
      }
      return new Contents(config, "sha256:" + sha256(config), layers);
    }
    throw invalid("neither an OCI image layout (index.json) nor a docker save tarball (manifest.json)");
  }

  private JsonNode manifest(JsonNode index, int depth) throws IOException {
    if (depth > 4) {
      throw invalid("image indexes nest too deep");
    }
    JsonNode chosen = null;
    int count = 0;
    for (JsonNode m : index.path("manifests")) {
      count++;
      JsonNode p = m.path("platform");
      String platform = p.path("os").asString("") + "/" + p.path("architecture").asString("");
      if (platform.equals(PLATFORM) || (p.isMissingNode() && chosen == null)) {
        chosen = m;
      }
    }
    if (chosen == null) {
      throw invalid(count == 0 ? "the image index lists no manifest" : "the image index has no manifest for " + PLATFORM);
    }
    JsonNode next = parse(blob(chosen.path("digest").asString("")), "the manifest " + chosen.path("digest").asString(""));
    String media = next.path("mediaType").asString(chosen.path("mediaType").asString(""));
    return media.contains("index") || media.contains("manifest.list") ? manifest(next, depth + 1) : next;
  }

  /** The bytes of a small blob (a manifest, a config), checked against its digest. */
  private byte[] blob(String digest) throws IOException {
    byte[] b = small(file(blobPath(digest)));
    if (!("sha256:" + sha256(b)).equals(digest)) {
      throw invalid("the blob " + digest + " does not match its digest");
    }
    return b;
  }

  private static String blobPath(String digest) {
    if (!digest.matches("sha256:[0-9a-f]{64}")) {
      throw invalid("a blob digest must be sha256:<64 hex digits>, got '" + (digest.length() > 80 ? digest.substring(0, 80) : digest) + "'");
    }
    return "blobs/sha256/" + digest.substring(7);
  }

  private boolean exists(String name) {
    return Files.isRegularFile(dir.resolve(name)) || links.containsKey(name);
  }

  private JsonNode json(String name) throws IOException {
    return parse(small(file(name)), name);
  }

  private static JsonNode parse(byte[] json, String what) {
    try {
      return JSON.readTree(json);
    } catch (tools.jackson.core.JacksonException e) {
      throw invalid(what + " is not JSON: " + e.getOriginalMessage());
    }
  }

  /** The bytes of a JSON member (an index, a manifest, a config): at most 4 MiB. */
  private static byte[] small(Path p) throws IOException {
    long size = Files.size(p);
    if (size > (4 << 20)) {
      throw invalid(p.getFileName() + " is " + size + " bytes; a manifest or config is at most 4 MiB");
    }
    return Files.readAllBytes(p);
  }

  /** The file of the member {@code name}, through the archive's links. */
  private Path file(String name) {
    String n = normal(name);
    for (int i = 0; i < 16 && links.containsKey(n); i++) {
      n = links.get(n);
    }
    Path p = dir.resolve(n);
    if (n.isEmpty() || !Files.isRegularFile(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      throw invalid("the archive has no file '" + name + "'");
    }
    return p;
  }

  /** A member name without {@code ./} and leading slashes; {@code ..} refused. */
  private static String normal(String name) {
    List<String> out = new ArrayList<>();
    for (String c : name.split("/")) {
      if (c.isEmpty() || c.equals(".")) {
        continue;
      }
      if (c.equals("..")) {
        throw invalid("the archive member '" + name + "' leaves the archive");
      }
      out.add(c);
    }
    return String.join("/", out);
  }

  static String sha256(byte[] b) {
    return HexFormat.of().formatHex(digest().digest(b));
  }

  static MessageDigest digest() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  static WarrenException invalid(String why) {
    return new WarrenException(Problem.INVALID_INPUT, "body: " + why, Optional.of("body"), Map.of(), null);
  }

  /** Reads at most {@code limit} bytes, then fails with 413. */
  static final class Limited extends java.io.FilterInputStream {
    private final long limit;
    private long read;

    Limited(InputStream in, long limit) {
      super(in);
      this.limit = limit;
    }

    @Override
    public int read() throws IOException {
      int b = super.read();
      count(b < 0 ? 0 : 1);
      return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int n = super.read(b, off, len);
      count(Math.max(n, 0));
      return n;
    }

    @Override
    public long skip(long n) throws IOException {
      long s = super.skip(n);
      count(s);
      return s;
    }

    private void count(long n) {
      read += n;
      if (read > limit) {
        throw new WarrenException(Problem.TOO_LARGE, "the image archive is over the limit of " + limit + " bytes (WARREN_IMAGE_IMPORT_MAX_MB)");
      }
    }
  }
}
