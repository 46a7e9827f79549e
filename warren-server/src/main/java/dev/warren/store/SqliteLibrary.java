package dev.warren.store;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Where the controller's SQLite driver loads its native library from: a copy unpacked once into
 * the data directory ({@code native/sqlite-<version>-libsqlitejdbc.so}), not the driver's default,
 * which unpacks a copy under a new name into {@code /tmp} at every start and removes it only when
 * the JVM exits normally, so every controller killed with SIGKILL left 1 MiB behind, forever (the
 * driver's own clean-up keeps a copy whose lock file is left). Called by the thread that loads the
 * driver at start-up, before its first connection; a platform without a bundled library, or a
 * directory that cannot be written, keeps the driver's default.
 */
public final class SqliteLibrary {
  private SqliteLibrary() {}

  /** Unpacks the bundled library into {@code dir} unless it is there, and points the driver at it. */
  public static void unpackOnce(Path dir) {
    String name = org.sqlite.util.LibraryLoaderUtil.getNativeLibName();
    String resource = org.sqlite.util.LibraryLoaderUtil.getNativeLibResourcePath() + "/" + name;
    Path lib = dir.resolve("sqlite-" + org.sqlite.SQLiteJDBCLoader.getVersion() + "-" + name);
    try {
      if (!Files.isRegularFile(lib)) {
        try (InputStream in = org.sqlite.SQLiteJDBCLoader.class.getResourceAsStream(resource)) {
          if (in == null) {
            return;
          }
          Files.createDirectories(dir);
          Path part = Files.createTempFile(dir, ".sqlite-", ".part");
          try {
            Files.copy(in, part, StandardCopyOption.REPLACE_EXISTING);
            Files.move(part, lib, StandardCopyOption.ATOMIC_MOVE);
          } finally {
            Files.deleteIfExists(part);
          }
        }
      }
    } catch (IOException e) {
      return;
    }
    System.setProperty("org.sqlite.lib.path", dir.toString());
    System.setProperty("org.sqlite.lib.name", lib.getFileName().toString());
  }
}
