package dev.warren.client;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Files inside one sandbox. Paths are absolute paths inside the sandbox; symlinks resolve inside
 * its root. Every method is one HTTP call, retried when it fails to connect or the server is busy.
 * Thread-safe.
 */
public interface SandboxFiles {

  /** Writes a whole file, creating parent directories; replaces what was there. */
  void write(String path, byte[] content);

  /** Writes a whole file with the given permission bits (e.g. {@code 0755}). */
  void write(String path, byte[] content, int mode);

  default void writeString(String path, String content) {
    write(path, content.getBytes(StandardCharsets.UTF_8));
  }

  /**
   * Reads a whole file.
   *
   * @throws NotFoundException if there is none
   */
  byte[] read(String path);

  default String readString(String path) {
    return new String(read(path), StandardCharsets.UTF_8);
  }

  /** The entries of a directory. */
  List<FileEntry> list(String path);

  /** Makes a directory and its parents; an existing directory is fine. */
  void mkdir(String path);

  /** Deletes a file or an empty directory. */
  default void delete(String path) {
    delete(path, false);
  }

  /** Deletes a file, or a directory with everything in it when {@code recursive}. */
  void delete(String path, boolean recursive);
}
