package dev.warren.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;

/**
 * Image archives made by tests, byte by byte: tar layers (any member, also the malicious ones a
 * real tar tool would not write), {@code docker save} tarballs and OCI image layouts as blobs.
 */
public final class OciArchives {
  private OciArchives() {}

  /** A tar archive written member by member into {@code out}; {@link #close} writes the end marker. */
  public static final class Tar implements AutoCloseable {
    private final OutputStream out;

    public Tar(OutputStream out) {
      this.out = out;
    }

    public Tar dir(String name, int mode) {
      return entry(name, '5', mode, 0, 0, new byte[0], "");
    }

    public Tar file(String name, String content) {
      return file(name, content.getBytes(StandardCharsets.UTF_8), 0644, 0, 0);
    }

    public Tar file(String name, byte[] content, int mode, int uid, int gid) {
      return entry(name, '0', mode, uid, gid, content, "");
    }

    public Tar symlink(String name, String target) {
      return entry(name, '2', 0777, 0, 0, new byte[0], target);
    }

    public Tar hardLink(String name, String target) {
      return entry(name, '1', 0644, 0, 0, new byte[0], target);
    }

    public Tar charDevice(String name) {
      return entry(name, '3', 0666, 0, 0, new byte[0], "");
    }

    /** A member whose content is the file {@code content} (streamed). */
    public Tar file(String name, Path content) {
      try (InputStream in = Files.newInputStream(content)) {
        header(name, '0', 0644, 0, 0, Files.size(content), "");
        long n = in.transferTo(out);
        out.write(new byte[(int) ((512 - n % 512) % 512)]);
        return this;
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    private Tar entry(String name, char type, int mode, int uid, int gid, byte[] content, String link) {
      try {
        header(name, type, mode, uid, gid, content.length, link);
        out.write(content);
        out.write(new byte[(512 - content.length % 512) % 512]);
        return this;
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    private void header(String name, char type, int mode, int uid, int gid, long size, String link) throws IOException {
      byte[] h = new byte[512];
      put(h, 0, 100, name);
      octal(h, 100, 8, mode);
      octal(h, 108, 8, uid);
      octal(h, 116, 8, gid);
      octal(h, 124, 12, size);
      octal(h, 136, 12, 1_700_000_000L);
      h[156] = (byte) type;
      put(h, 157, 100, link);
      put(h, 257, 6, "ustar");
      put(h, 263, 2, "00");
      for (int i = 148; i < 156; i++) {
        h[i] = ' ';
      }
      long sum = 0;
      for (byte b : h) {
        sum += b & 0xff;
      }
      put(h, 148, 7, String.format("%06o", sum) + "\0");
      out.write(h);
    }

    private static void put(byte[] h, int off, int len, String s) {
      byte[] b = s.getBytes(StandardCharsets.UTF_8);
      if (b.length > len) {
        throw new IllegalArgumentException("too long for a ustar field: " + s);
      }
      System.arraycopy(b, 0, h, off, b.length);
    }

    private static void octal(byte[] h, int off, int len, long v) {
      put(h, off, len, String.format("%0" + (len - 1) + "o", v));
    }

    @Override
    public void close() {
      try {
        out.write(new byte[1024]);
        out.flush();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  /** The tar the block writes, as bytes. */
  public static byte[] tar(java.util.function.Consumer<Tar> members) {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    try (Tar t = new Tar(b)) {
      members.accept(t);
    }
    return b.toByteArray();
  }

  public static byte[] gzip(byte[] b) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream z = new GZIPOutputStream(out)) {
      z.write(b);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  public static String sha256(byte[] b) {
    try {
      return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  public static String sha256(Path f) {
    try (InputStream in = Files.newInputStream(f)) {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      byte[] buf = new byte[1 << 16];
      for (int n; (n = in.read(buf)) > 0; ) {
        sha.update(buf, 0, n);
      }
      return "sha256:" + HexFormat.of().formatHex(sha.digest());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The base image's root filesystem as one plain tar layer (GNU tar, numeric owners), written to {@code out}. */
  public static Path baseLayer(Path out) {
    Path rootfs = dev.warren.image.Images.open(TestWarren.IMAGES).find("base").orElseThrow().rootfs();
    try {
      Process p = new ProcessBuilder("tar", "--create", "--file=" + out, "--directory=" + rootfs, "--numeric-owner", "--format=posix",
          "--sort=name", ".").redirectErrorStream(true).start();
      String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (p.waitFor() != 0) {
        throw new IllegalStateException("tar failed: " + output);
      }
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** An image config: {@code env} as NAME=value, the layers' diff_ids (their uncompressed digests). */
  public static String config(List<String> env, String workingDir, List<String> diffIds) {
    StringBuilder s = new StringBuilder("{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"Env\":[");
    s.append(String.join(",", env.stream().map(e -> "\"" + e + "\"").toList()));
    s.append("],\"WorkingDir\":\"").append(workingDir).append("\",\"Cmd\":[\"/bin/sh\"]},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[");
    s.append(String.join(",", diffIds.stream().map(d -> "\"" + d + "\"").toList()));
    return s.append("]}}").toString();
  }

  /**
   * Writes a {@code docker save} tarball to {@code out}: {@code manifest.json}, the config and one
   * {@code <n>/layer.tar} per layer file (each as given: plain or gzip).
   */
  public static void dockerSave(Path out, String config, List<Path> layers) throws IOException {
    byte[] cfg = config.getBytes(StandardCharsets.UTF_8);
    String cfgName = sha256(cfg).substring(7) + ".json";
    List<String> names = new ArrayList<>();
    for (int i = 0; i < layers.size(); i++) {
      names.add("layer" + i + "/layer.tar");
    }
    String manifest = "[{\"Config\":\"" + cfgName + "\",\"RepoTags\":[\"test:1\"],\"Layers\":["
        + String.join(",", names.stream().map(n -> "\"" + n + "\"").toList()) + "]}]";
    try (OutputStream f = new java.io.BufferedOutputStream(Files.newOutputStream(out), 1 << 16); Tar t = new Tar(f)) {
      t.file("manifest.json", manifest);
      t.file(cfgName, cfg, 0644, 0, 0);
      for (int i = 0; i < layers.size(); i++) {
        t.dir("layer" + i, 0755);
        t.file(names.get(i), layers.get(i));
      }
    }
  }

  /** An OCI image's blobs (by digest) and the digest of its index, for a registry or a layout. */
  public record Blobs(Map<String, byte[]> blobs, Map<String, String> mediaTypes, String index, String manifest) {}

  /** An image of one gzip layer as an index (linux/amd64 and linux/arm64) over a manifest. */
  public static Blobs ociImage(byte[] layerTar, String config) {
    Map<String, byte[]> blobs = new LinkedHashMap<>();
    Map<String, String> types = new LinkedHashMap<>();
    byte[] layer = gzip(layerTar);
    byte[] cfg = config.getBytes(StandardCharsets.UTF_8);
    blobs.put(sha256(layer), layer);
    blobs.put(sha256(cfg), cfg);
    byte[] manifest = ("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"config\":{\"mediaType\":"
        + "\"application/vnd.oci.image.config.v1+json\",\"digest\":\"" + sha256(cfg) + "\",\"size\":" + cfg.length + "},\"layers\":[{\"mediaType\":"
        + "\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"" + sha256(layer) + "\",\"size\":" + layer.length + "}]}")
        .getBytes(StandardCharsets.UTF_8);
    blobs.put(sha256(manifest), manifest);
    types.put(sha256(manifest), "application/vnd.oci.image.manifest.v1+json");
    byte[] index = ("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"manifests\":["
        + "{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"sha256:" + "0".repeat(64) + "\",\"size\":1,"
        + "\"platform\":{\"os\":\"linux\",\"architecture\":\"arm64\"}},"
        + "{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"" + sha256(manifest) + "\",\"size\":" + manifest.length + ","
        + "\"platform\":{\"os\":\"linux\",\"architecture\":\"amd64\"}}]}").getBytes(StandardCharsets.UTF_8);
    blobs.put(sha256(index), index);
    types.put(sha256(index), "application/vnd.oci.image.index.v1+json");
    return new Blobs(blobs, types, sha256(index), sha256(manifest));
  }
}
