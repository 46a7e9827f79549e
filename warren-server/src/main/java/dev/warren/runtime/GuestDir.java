package dev.warren.runtime;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * A directory inside a running sandbox that the controller keeps open while it uses it (a shell
 * session's or a terminal's files). Every operation names a single entry of it, never follows a
 * final symbolic link (the sandbox owns these names and may have replaced one with a link) and
 * makes what it creates belong to the sandbox's root. Obtained from {@link Guest#dir}.
 * Thread-safe; {@code close()} is idempotent, and an operation after it fails with
 * {@link IllegalStateException}.
 */
public interface GuestDir extends AutoCloseable {

  /** The directory's absolute path inside the sandbox. */
  String where();

  /** Writes a new file (replacing one of that name). */
  void write(String name, byte[] data);

  /** Makes an empty file unless one of that name exists. */
  void createEmpty(String name);

  /** Replaces the content of an existing file; makes it when it is missing. */
  void overwrite(String name, byte[] data);

  /** At most {@code max} bytes of the file from its start, or empty when it does not exist. */
  Optional<byte[]> read(String name, int max);

  /** Size of a regular file, or -1 when it does not exist. */
  long size(String name);

  boolean exists(String name);

  /** A regular file to read at any offset while it grows; empty when it does not exist. */
  Optional<ReadableFile> openAt(String name);

  /** Makes a sub-directory (no error if one exists). */
  void mkdir(String name, int mode);

  /** Opens a sub-directory (not following a symlink) as a directory of its own; the caller closes it. */
  GuestDir sub(String name);

  /** Makes a FIFO (no error if one exists). */
  void mkfifo(String name);

  /**
   * Opens a FIFO for writing and keeps it open, so that what is written stays queued in it while
   * its reader restarts. The caller closes the writer.
   */
  FifoWriter fifoWriter(String name);

  /**
   * An output stream into a FIFO (a command's or a terminal's input); closing it is the reader's end
   * of file. Writing before the reader opened it queues or blocks instead of failing.
   */
  OutputStream openFifoForWriting(String name) throws IOException;

  /** Opens a FIFO or a regular file for reading; opening a FIFO waits for its writer. The caller closes it. */
  InputStream openForReading(String name) throws IOException;

  void delete(String name);

  List<String> list();

  /**
   * Reports the names of entries created, written (closed after writing) or moved into this
   * directory to {@code onName}; with {@code createdOnly}, writes to existing entries are not
   * reported. Events may be lost: {@code onOverflow} says so, and listeners re-read files. The
   * listeners run on the runtime's watcher thread and must be quick.
   */
  Registration watch(boolean createdOnly, Consumer<String> onName, Runnable onOverflow);

  @Override
  void close();

  /** A watch registration; {@code close()} stops its events. */
  interface Registration extends AutoCloseable {
    @Override
    void close();
  }

  /**
   * A held-open FIFO; writes of up to 4 KiB are atomic, so concurrent writers never interleave.
   * Thread-safe; a write after {@code close()} fails with {@link IllegalStateException}, and a write
   * to a full FIFO fails rather than blocking.
   */
  interface FifoWriter extends AutoCloseable {
    void write(byte[] bytes);

    @Override
    void close();
  }
}
