package dev.warren.runtime;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;

/** A file inside a sandbox, open for reading at any offset (a command's output while it grows). One reader at a time. */
public interface ReadableFile extends Closeable {
  /** The file's current size. */
  long size() throws IOException;

  /** Reads into {@code into} from {@code position}; the bytes read, or -1 at the end. */
  int read(ByteBuffer into, long position) throws IOException;
}
