package dev.warren.client;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * A build context: the files of a directory as a ustar archive (pax records for long names),
 * links kept as links, modes kept, owners left out. Stateless.
 */
final class ContextTar {
  private ContextTar() {}

  /** Writes the tree under {@code dir} to {@code file}. */
  static void write(Path dir, Path file) throws IOException {
    List<Path> all;
    try (Stream<Path> s = Files.walk(dir)) {
      all = s.filter(p -> !p.equals(dir)).sorted().toList();
    }
    try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 16)) {
      for (Path p : all) {
        String name = dir.relativize(p).toString().replace('\\', '/');
        int mode = Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS).stream().mapToInt(x -> 1 << (8 - x.ordinal())).sum();
        long mtime = Files.getLastModifiedTime(p, LinkOption.NOFOLLOW_LINKS).toMillis() / 1000;
        if (Files.isSymbolicLink(p)) {
          header(out, name, '2', 0777, 0, mtime, Files.readSymbolicLink(p).toString());
        } else if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
          header(out, name + "/", '5', mode, 0, mtime, "");
        } else if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
          long size = Files.size(p);
          header(out, name, '0', mode, size, mtime, "");
          try (InputStream in = Files.newInputStream(p)) {
            if (in.transferTo(out) != size) {
              throw new IOException(p + " changed while it was read");
            }
          }
          out.write(new byte[(int) ((512 - size % 512) % 512)]);
        }
      }
      out.write(new byte[1024]);
    }
  }

  private static void header(OutputStream out, String name, char type, int mode, long size, long mtime, String link) throws IOException {
    StringBuilder pax = new StringBuilder();
    if (name.getBytes(StandardCharsets.UTF_8).length > 99) {
      pax.append(record("path", name));
    }
    if (link.getBytes(StandardCharsets.UTF_8).length > 99) {
      pax.append(record("linkpath", link));
    }
    if (!pax.isEmpty()) {
      byte[] data = pax.toString().getBytes(StandardCharsets.UTF_8);
      out.write(block("PaxHeader", 'x', 0644, data.length, mtime, ""));
      out.write(data);
      out.write(new byte[(512 - data.length % 512) % 512]);
    }
    out.write(block(name, type, mode, size, mtime, link));
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

  private static byte[] block(String name, char type, int mode, long size, long mtime, String link) {
    byte[] h = new byte[512];
    put(h, 0, 100, name);
    put(h, 100, 8, String.format("%07o", mode & 07777));
    put(h, 108, 8, "0000000");
    put(h, 116, 8, "0000000");
    put(h, 124, 12, String.format("%011o", size));
    put(h, 136, 12, String.format("%011o", Math.max(0, mtime)));
    h[156] = (byte) type;
    put(h, 157, 100, link);
    put(h, 257, 8, "ustar\u000000");
    java.util.Arrays.fill(h, 148, 156, (byte) ' ');
    long sum = 0;
    for (byte b : h) {
      sum += b & 0xff;
    }
    put(h, 148, 8, String.format("%06o", sum) + "\u0000 ");
    return h;
  }

  private static void put(byte[] h, int off, int len, String s) {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    System.arraycopy(b, 0, h, off, Math.min(b.length, len));
  }
}
