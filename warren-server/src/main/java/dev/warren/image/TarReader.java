package dev.warren.image;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * A streaming reader of tar archives as image layers and {@code docker save} files use them: ustar,
 * POSIX pax ({@code path}, {@code linkpath}, {@code size}, {@code uid}, {@code gid}, {@code mtime})
 * and GNU long names. Names are returned as written; callers check them. Not thread-safe: one
 * reader, one thread; the content of an entry is readable until the next call to {@link #next}.
 */
public final class TarReader {
  public static final char FILE = '0';
  public static final char HARD_LINK = '1';
  public static final char SYMLINK = '2';
  public static final char CHAR_DEVICE = '3';
  public static final char BLOCK_DEVICE = '4';
  public static final char DIRECTORY = '5';
  public static final char FIFO = '6';

  /** The bytes are not a tar archive, or it ends inside a member: the sender's fault, not the disk's. */
  public static final class Malformed extends IOException {
    Malformed(String message) {
      super(message);
    }
  }

  /** One member: {@code type} is one of the constants above (an old NUL type is a file). */
  public record Entry(String name, char type, int mode, long uid, long gid, long size, long mtime, String linkName) {}

  private final InputStream in;
  private final byte[] header = new byte[512];
  private long remaining;
  private long padding;

  public TarReader(InputStream in) {
    this.in = in;
  }

  /** The next member, or null at the end of the archive. */
  public Entry next() throws IOException {
    skip(remaining + padding);
    remaining = 0;
    padding = 0;
    Map<String, String> pax = new HashMap<>();
    String longName = null;
    String longLink = null;
    while (true) {
      if (!readHeader()) {
        return null;
      }
      char type = (char) (header[156] == 0 ? '0' : header[156]);
      long size = number(124, 12);
      if (type == 'x' || type == 'g' || type == 'L' || type == 'K') {
        byte[] data = readBlock(size);
        if (type == 'x') {
          pax.putAll(paxRecords(data));
        } else if (type == 'L') {
          longName = cString(data, 0, data.length);
        } else if (type == 'K') {
          longLink = cString(data, 0, data.length);
        }
        continue;
      }
      String name = cString(header, 0, 100);
      String prefix = cString(header, 345, 155);
      boolean ustar = cString(header, 257, 5).equals("ustar");
      if (ustar && !prefix.isEmpty() && header[345 + 130] == 0) {
        name = prefix + "/" + name;
      }
      name = pax.getOrDefault("path", longName != null ? longName : name);
      String link = pax.getOrDefault("linkpath", longLink != null ? longLink : cString(header, 157, 100));
      size = pax.containsKey("size") ? Long.parseLong(pax.get("size")) : size;
      long uid = pax.containsKey("uid") ? Long.parseLong(pax.get("uid")) : number(108, 8);
      long gid = pax.containsKey("gid") ? Long.parseLong(pax.get("gid")) : number(116, 8);
      long mtime = pax.containsKey("mtime") ? (long) Double.parseDouble(pax.get("mtime")) : number(136, 12);
      int mode = (int) (number(100, 8) & 07777);
      if (type == '7') {
        type = FILE; // contiguous file
      }
      boolean hasData = type == FILE;
      remaining = hasData ? size : 0;
      padding = hasData ? (512 - size % 512) % 512 : 0;
      return new Entry(name, type, mode, uid, gid, hasData ? size : 0, mtime, link);
    }
  }

  /** The content of the current member (a regular file); reads end at its end. */
  public InputStream content() {
    return new InputStream() {
      @Override
      public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
      }

      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        if (remaining <= 0) {
          return -1;
        }
        int n = in.read(b, off, (int) Math.min(len, remaining));
        if (n < 0) {
          throw new Malformed("the archive ends inside a member");
        }
        remaining -= n;
        return n;
      }
    };
  }

  private boolean readHeader() throws IOException {
    if (in.readNBytes(header, 0, 512) < 512) {
      return false; // a missing end-of-archive marker is tolerated, as GNU tar does
    }
    boolean zero = true;
    for (byte b : header) {
      if (b != 0) {
        zero = false;
        break;
      }
    }
    if (zero) {
      return false;
    }
    long sum = 0;
    for (int i = 0; i < 512; i++) {
      sum += (i >= 148 && i < 156) ? ' ' : header[i] & 0xff;
    }
    if (sum != number(148, 8)) {
      throw new Malformed("not a tar archive (a header's checksum does not match)");
    }
    return true;
  }

  private byte[] readBlock(long size) throws IOException {
    if (size < 0 || size > (1 << 20)) {
      throw new Malformed("a tar extended header of " + size + " bytes is too large");
    }
    byte[] data = in.readNBytes((int) size);
    if (data.length < size) {
      throw new Malformed("the archive ends inside an extended header");
    }
    skip((512 - size % 512) % 512);
    return data;
  }

  private void skip(long n) throws IOException {
    while (n > 0) {
      long skipped = in.skip(n);
      if (skipped <= 0) {
        if (in.read() < 0) {
          throw new Malformed("the archive ends inside a member");
        }
        skipped = 1;
      }
      n -= skipped;
    }
  }

  private long number(int off, int len) throws IOException {
    if ((header[off] & 0x80) != 0) {
      long v = header[off] & 0x7f;
      for (int i = 1; i < len; i++) {
        v = (v << 8) | (header[off + i] & 0xff);
      }
      return v;
    }
    String s = new String(header, off, len, StandardCharsets.US_ASCII).replace("\0", " ").strip();
    try {
      return s.isEmpty() ? 0 : Long.parseLong(s, 8);
    } catch (NumberFormatException e) {
      throw new Malformed("not a tar archive (a numeric field reads '" + s + "')");
    }
  }

  private static String cString(byte[] b, int off, int len) {
    int end = off;
    while (end < off + len && b[end] != 0) {
      end++;
    }
    return new String(b, off, end - off, StandardCharsets.UTF_8);
  }

  /** Pax records: {@code "<length> <key>=<value>\n"}. */
  private static Map<String, String> paxRecords(byte[] data) throws IOException {
    Map<String, String> out = new HashMap<>();
    int i = 0;
    while (i < data.length) {
      int sp = i;
      while (sp < data.length && data[sp] != ' ') {
        sp++;
      }
      int len;
      try {
        len = Integer.parseInt(new String(data, i, sp - i, StandardCharsets.US_ASCII));
      } catch (NumberFormatException e) {
        throw new Malformed("a malformed pax header");
      }
      if (len <= 0 || i + len > data.length) {
        throw new Malformed("a malformed pax header");
      }
      String rec = new String(data, sp + 1, i + len - sp - 2, StandardCharsets.UTF_8);
      int eq = rec.indexOf('=');
      if (eq > 0) {
        out.put(rec.substring(0, eq), rec.substring(eq + 1));
      }
      i += len;
    }
    return out;
  }
}
