package dev.warren.runtime;

import java.io.InputStream;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The files of a running sandbox, named by absolute paths inside it: {@code ..} and symbolic links
 * resolve inside the sandbox as chroot would, so nothing outside it can be named. What is created
 * belongs to the sandbox's root. Failures are {@link GuestFileException}s saying what went wrong.
 * Stateless apart from the sandbox it reaches; thread-safe.
 */
public interface GuestFiles {

  /** One directory entry. {@code type} is file, directory, symlink or other; {@code mode} is octal. */
  record Entry(String name, String type, long size, String mode, Instant modifiedAt) {}

  /** Opens a regular file for reading; the caller closes the stream. */
  InputStream read(String path);

  /** What {@code path} is (following symbolic links inside the sandbox, as stat(2)), or empty when nothing has that name. */
  Optional<Entry> stat(String path);

  /**
   * Writes {@code in} to {@code path} atomically (a temporary file renamed over it), creating its
   * parent directories; keeps the mode of a file it replaces unless {@code mode} is given. Past
   * {@code maxBytes} nothing is changed ({@link GuestFileException.Kind#TOO_LARGE}). Returns the
   * bytes written.
   */
  long write(String path, InputStream in, long maxBytes, Optional<Integer> mode);

  /** Creates {@code path} and its missing parents. */
  void mkdirs(String path);

  /** The entries of a directory, sorted by name. */
  List<Entry> list(String path);

  /** Deletes a file, a symbolic link or an empty directory. */
  void delete(String path);
}
