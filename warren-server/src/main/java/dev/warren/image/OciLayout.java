package dev.warren.image;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Function;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Writes an image as a tar of an OCI image layout ({@code oci-layout}, {@code index.json},
 * {@code blobs/sha256/…}) plus a {@code docker save} {@code manifest.json} naming the same blobs.
 * Layers are the stored uncompressed tars, so their blob digests are their diff_ids. Stateless.
 */
final class OciLayout {
  private static final String LAYER = "application/vnd.oci.image.layer.v1.tar";
  private static final String MANIFEST = "application/vnd.oci.image.manifest.v1+json";

  private OciLayout() {}

  static void write(UserImage image, byte[] config, Function<String, Path> layerFile, OutputStream out) throws IOException {
    ObjectNode manifest = ImageArchive.JSON.createObjectNode();
    manifest.put("schemaVersion", 2);
    manifest.put("mediaType", MANIFEST);
    manifest.putObject("config").put("mediaType", "application/vnd.oci.image.config.v1+json").put("digest", image.digest())
        .put("size", config.length);
    ArrayNode layers = manifest.putArray("layers");
    for (String diffId : image.layers()) {
      layers.addObject().put("mediaType", LAYER).put("digest", diffId).put("size", Files.size(layerFile.apply(diffId)));
    }
    byte[] manifestBytes = manifest.toString().getBytes(StandardCharsets.UTF_8);
    String manifestDigest = "sha256:" + ImageArchive.sha256(manifestBytes);
    ObjectNode index = ImageArchive.JSON.createObjectNode();
    index.put("schemaVersion", 2);
    index.put("mediaType", "application/vnd.oci.image.index.v1+json");
    ObjectNode entry = index.putArray("manifests").addObject();
    entry.put("mediaType", MANIFEST).put("digest", manifestDigest).put("size", manifestBytes.length);
    entry.putObject("platform").put("os", "linux").put("architecture", "amd64");
    entry.putObject("annotations").put("org.opencontainers.image.ref.name", image.ref().tag())
        .put("io.containerd.image.name", image.ref().toString());
    ArrayNode docker = ImageArchive.JSON.createArrayNode();
    ObjectNode d = docker.addObject();
    d.put("Config", blob(image.digest()));
    d.putArray("RepoTags").add(image.ref().toString());
    ArrayNode dl = d.putArray("Layers");
    image.layers().forEach(l -> dl.add(blob(l)));

    TarWriter tar = new TarWriter(out);
    tar.file("oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}".getBytes(StandardCharsets.UTF_8));
    tar.file("index.json", index.toString().getBytes(StandardCharsets.UTF_8));
    tar.file("manifest.json", docker.toString().getBytes(StandardCharsets.UTF_8));
    tar.directory("blobs/");
    tar.directory("blobs/sha256/");
    tar.file(blob(manifestDigest), manifestBytes);
    tar.file(blob(image.digest()), config);
    for (String diffId : new java.util.LinkedHashSet<>(image.layers())) {
      Path f = layerFile.apply(diffId);
      try (InputStream in = Files.newInputStream(f)) {
        tar.file(blob(diffId), Files.size(f), in);
      }
    }
    tar.finish();
  }

  private static String blob(String digest) {
    return "blobs/sha256/" + digest.substring("sha256:".length());
  }

  /** A ustar writer of regular files and directories (root's, 0644/0755), sizes past 8 GiB in base-256. */
  private static final class TarWriter {
    private final OutputStream out;

    TarWriter(OutputStream out) {
      this.out = out;
    }

    void file(String name, byte[] content) throws IOException {
      file(name, content.length, new java.io.ByteArrayInputStream(content));
    }

    void file(String name, long size, InputStream content) throws IOException {
      header(name, '0', 0644, size);
      long n = content.transferTo(out);
      if (n != size) {
        throw new IOException(name + " changed while it was exported (" + n + " bytes, not " + size + ")");
      }
      out.write(new byte[(int) ((512 - size % 512) % 512)]);
    }

    void directory(String name) throws IOException {
      header(name, '5', 0755, 0);
    }

    void finish() throws IOException {
      out.write(new byte[1024]);
      out.flush();
    }

    private void header(String name, char type, int mode, long size) throws IOException {
      byte[] h = new byte[512];
      byte[] n = name.getBytes(StandardCharsets.UTF_8);
      System.arraycopy(n, 0, h, 0, n.length);
      octal(h, 100, 8, mode);
      octal(h, 108, 8, 0);
      octal(h, 116, 8, 0);
      if (size < 077777777777L) {
        octal(h, 124, 12, size);
      } else {
        h[124] = (byte) 0x80;
        for (int i = 135; i > 124; i--) {
          h[i] = (byte) size;
          size >>>= 8;
        }
      }
      octal(h, 136, 12, System.currentTimeMillis() / 1000);
      h[156] = (byte) type;
      System.arraycopy("ustar\00000".getBytes(StandardCharsets.US_ASCII), 0, h, 257, 8);
      java.util.Arrays.fill(h, 148, 156, (byte) ' ');
      long sum = 0;
      for (byte b : h) {
        sum += b & 0xff;
      }
      byte[] s = String.format("%06o\0 ", sum).getBytes(StandardCharsets.US_ASCII);
      System.arraycopy(s, 0, h, 148, 8);
      out.write(h);
    }

    private static void octal(byte[] h, int off, int len, long v) {
      byte[] s = String.format("%0" + (len - 1) + "o", v).getBytes(StandardCharsets.US_ASCII);
      System.arraycopy(s, 0, h, off, s.length);
    }
  }
}
