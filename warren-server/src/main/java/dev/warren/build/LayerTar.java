package dev.warren.build;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Writes one image layer: an uncompressed ustar archive (pax records for long names and large
 * ids) whose sha256 is the layer's diff_id. Not thread-safe: one writer, one thread; closed once.
 */
final class LayerTar implements AutoCloseable {
  private static final int BLOCK = 512;
  private final Path file;
  private final MessageDigest sha;
  private final OutputStream out;
  private boolean empty = true;
  private String digest;

  LayerTar(Path file) throws IOException {
    this.file = file;
    try {
      this.sha = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    this.out = new DigestOutputStream(new BufferedOutputStream(Files.newOutputStream(file), 1 << 16), sha);
  }

  Path file() {
    return file;
  }

  /** Whether nothing was written. */
  boolean empty() {
    return empty;
  }

  void directory(String name, int mode, long uid, long gid, long mtime) throws IOException {
    header(name.endsWith("/") ? name : name + "/", '5', mode, uid, gid, 0, mtime, "");
  }

  void file(String name, int mode, long uid, long gid, long mtime, long size, InputStream content) throws IOException {
    header(name, '0', mode, uid, gid, size, mtime, "");
    long copied = content.transferTo(out);
    if (copied != size) {
      throw new IOException(name + " changed while it was read: " + copied + " bytes, not " + size);
    }
    pad(size);
  }

  void symlink(String name, String target, long uid, long gid, long mtime) throws IOException {
    header(name, '2', 0777, uid, gid, 0, mtime, target);
  }

  void hardLink(String name, String target, long uid, long gid, long mtime) throws IOException {
    header(name, '1', 0644, uid, gid, 0, mtime, target);
  }

  /** Ends the archive; returns its digest, {@code sha256:<hex>}. */
  String finish() throws IOException {
    if (digest == null) {
      out.write(new byte[2 * BLOCK]);
      out.close();
      digest = "sha256:" + HexFormat.of().formatHex(sha.digest());
    }
    return digest;
  }

  @Override
  public void close() throws IOException {
    finish();
  }

  private void header(String name, char type, int mode, long uid, long gid, long size, long mtime, String link) throws IOException {
    empty = false;
    byte[] nameBytes = name.getBytes(StandardCharsets.UTF_8);
    byte[] linkBytes = link.getBytes(StandardCharsets.UTF_8);
    StringBuilder pax = new StringBuilder();
    if (nameBytes.length > 99) {
      pax.append(record("path", name));
    }
    if (linkBytes.length > 99) {
      pax.append(record("linkpath", link));
    }
    if (uid > 07777777) {
      pax.append(record("uid", Long.toString(uid)));
    }
    if (gid > 07777777) {
      pax.append(record("gid", Long.toString(gid)));
    }
    if (!pax.isEmpty()) {
      byte[] data = pax.toString().getBytes(StandardCharsets.UTF_8);
      out.write(block("PaxHeader", 'x', 0644, 0, 0, data.length, mtime, ""));
      out.write(data);
      pad(data.length);
    }
    out.write(block(name, type, mode, uid, gid, size, mtime, link));
  }

  private static String record(String key, String value) {
    String body = " " + key + "=" + value + "\n";
    int len = body.getBytes(StandardCharsets.UTF_8).length;
    int total = len + Integer.toString(len).length();
    if (Integer.toString(total).length() != Integer.toString(len).length()) {
      total++;
    }
    return total + body;
  }

  private static byte[] block(String name, char type, int mode, long uid, long gid, long size, long mtime, String link) {
    byte[] h = new byte[BLOCK];
    put(h, 0, 100, name);
    octal(h, 100, 8, mode & 07777);
    octal(h, 108, 8, uid > 07777777 ? 0 : uid);
    octal(h, 116, 8, gid > 07777777 ? 0 : gid);
    octal(h, 124, 12, size);
    octal(h, 136, 12, Math.max(0, mtime));
    h[156] = (byte) type;
    put(h, 157, 100, link);
    System.arraycopy("ustar\00000".getBytes(StandardCharsets.US_ASCII), 0, h, 257, 8);
    java.util.Arrays.fill(h, 148, 156, (byte) ' ');
    long sum = 0;
    for (byte b : h) {
      sum += b & 0xff;
    }
    String c = String.format("%06o", sum);
    System.arraycopy(c.getBytes(StandardCharsets.US_ASCII), 0, h, 148, 6);
    h[154] = 0;
    h[155] = ' ';
    return h;
  }

  /** Writes {@code s} into the field, cut at its width (a pax record carries the whole of a longer one). */
  private static void put(byte[] h, int off, int len, String s) {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    System.arraycopy(b, 0, h, off, Math.min(b.length, len - 1));
  }

  private static void octal(byte[] h, int off, int len, long v) {
    String s = Long.toOctalString(v);
    String padded = "0".repeat(Math.max(0, len - 1 - s.length())) + s;
    System.arraycopy(padded.getBytes(StandardCharsets.US_ASCII), 0, h, off, len - 1);
  }

  private void pad(long size) throws IOException {
    int rest = (int) (size % BLOCK);
    if (rest != 0) {
      out.write(new byte[BLOCK - rest]);
    }
  }
}
