package dev.warren.client;

import java.time.Instant;
import java.util.Objects;

/**
 * One entry of a directory listing inside a sandbox.
 *
 * @param name the entry's name, without its directory
 * @param size size in bytes
 * @param mode permission bits as a number, e.g. {@code 0644} (octal: 420 in decimal); {@link #octalMode()} is the
 *     API's {@code "0644"}
 * @param modifiedAt last modification time
 */
public record FileEntry(String name, Type type, long size, int mode, Instant modifiedAt) {

  /** What kind of file an entry is; symlinks are not followed when listing. */
  public enum Type { FILE, DIRECTORY, SYMLINK, OTHER }

  public FileEntry {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(modifiedAt, "modifiedAt");
  }

  /** The mode as the server writes it, e.g. {@code "0644"}. */
  public String octalMode() {
    return String.format("%04o", mode);
  }

  /** Shows the mode as the API writes it ({@code mode=0644}), not as the decimal value of its bits (420). */
  @Override
  public String toString() {
    return "FileEntry[name=" + name + ", type=" + type + ", size=" + size + ", mode=" + octalMode() + ", modifiedAt=" + modifiedAt + "]";
  }

  public boolean isDirectory() {
    return type == Type.DIRECTORY;
  }
}
