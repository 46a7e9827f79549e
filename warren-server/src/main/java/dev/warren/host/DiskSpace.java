package dev.warren.host;

import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.Optional;

/**
 * Free space of the filesystem that holds a directory (the data directory), and recognition of
 * "no space left on device" however it surfaces: errno ENOSPC or EDQUOT from a system call, an
 * {@link IOException} saying so, SQLite's {@code SQLITE_FULL}, PostgreSQL's {@code disk_full}.
 * Thread-safe.
 */
public final class DiskSpace {
  public static final int ENOSPC = 28;
  public static final int EDQUOT = 122;

  private final Path dir;
  private final FileStore store;

  private DiskSpace(Path dir, FileStore store) {
    this.dir = dir;
    this.store = store;
  }

  /** The filesystem of {@code dir} (looked up once: finding it parses the mount table). */
  public static DiskSpace of(Path dir) {
    try {
      return new DiskSpace(dir, Files.getFileStore(dir));
    } catch (IOException e) {
      throw new IllegalStateException("cannot find the filesystem of " + dir + ": " + e.getMessage(), e);
    }
  }

  public Path dir() {
    return dir;
  }

  /** Bytes an unprivileged writer may still use there (statvfs), or empty when it cannot be read. */
  public Optional<Long> usable() {
    try {
      return Optional.of(store.getUsableSpace());
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  /** Whether {@code t} or one of its causes is a full disk. */
  public static boolean isNoSpace(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
      if (c instanceof NoSpaceException) {
        return true;
      }
      if (c instanceof SyscallException se && (se.errno() == ENOSPC || se.errno() == EDQUOT)) {
        return true;
      }
      if (c instanceof org.sqlite.SQLiteException se && se.getResultCode() == org.sqlite.SQLiteErrorCode.SQLITE_FULL) {
        return true;
      }
      if (c instanceof SQLException se && "53100".equals(se.getSQLState())) {
        return true;
      }
      String m = c.getMessage();
      if (m != null && (m.contains("No space left on device") || m.contains("Disk quota exceeded") || m.contains("SQLITE_FULL"))) {
        return true;
      }
    }
    return false;
  }

  /** A size for people: {@code 0 B}, {@code 812 KiB}, {@code 63.5 MiB}. */
  public static String human(long bytes) {
    if (bytes < 1024) {
      return bytes + " B";
    }
    if (bytes < (1 << 20)) {
      return (bytes >> 10) + " KiB";
    }
    if (bytes < (1L << 30)) {
      return String.format("%.1f MiB", bytes / 1048576.0);
    }
    return String.format("%.1f GiB", bytes / 1073741824.0);
  }
}
