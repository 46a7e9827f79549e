package dev.warren.sandbox;

import dev.warren.error.Problem;
import dev.warren.runtime.GuestFileException;
import dev.warren.runtime.GuestFiles;
import dev.warren.runtime.Limits;
import java.io.InputStream;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The file API's view of a running sandbox: checks the paths callers give and words a full disk
 * by the sandbox's limits; the files themselves are reached through its
 * {@link dev.warren.runtime.Guest} ({@link GuestFiles}), which resolves every path inside the
 * sandbox. Stateless; thread-safe.
 */
public final class SandboxFiles {
  public static final int MAX_PATH = 4096;

  private final String sandboxId;
  private final GuestFiles files;
  private final Limits limits;

  SandboxFiles(String sandboxId, GuestFiles files, Limits limits) {
    this.sandboxId = sandboxId;
    this.files = files;
    this.limits = limits;
  }

  static String checkPath(String path) {
    if (path == null || path.isEmpty()) {
      throw SandboxException.invalidField("path", "path is required (an absolute path inside the sandbox)");
    }
    if (!path.startsWith("/")) {
      throw SandboxException.invalidField("path", "path must be absolute, got '" + path + "'");
    }
    if (path.length() > MAX_PATH || path.indexOf('\0') >= 0) {
      throw SandboxException.invalidField("path", "path must be under " + MAX_PATH + " bytes without NUL");
    }
    return path;
  }

  /** Runs a file operation, wording a full disk for this sandbox. */
  private <T> T run(String path, Supplier<T> op) {
    try {
      return op.get();
    } catch (GuestFileException e) {
      throw e.kind() == GuestFileException.Kind.NO_SPACE ? diskFull(path, e) : e;
    }
  }

  /**
   * ENOSPC while writing into the sandbox: its own disk is full (507), or, for a sandbox without
   * one, the data directory's disk (503 naming it).
   */
  private SandboxException diskFull(String path, Exception cause) {
    if (!limits.hasDisk()) {
      return new SandboxException(Problem.UNAVAILABLE, "no space left on the disk holding " + sandboxId, cause);
    }
    return new SandboxException(Problem.SANDBOX_DISK_FULL, "cannot write " + path + ": the disk of sandbox " + sandboxId
        + " is full (limits.diskMb " + limits.diskMb() + ", limits.diskInodes " + limits.diskInodes()
        + "); delete files in it, or give a new sandbox a larger limits.diskMb or limits.diskInodes");
  }

  /** Opens a regular file for reading; the caller closes the stream. */
  public InputStream read(String path) {
    return run(checkPath(path), () -> files.read(path));
  }

  /** Size of what {@code path} names, or -1 when nothing does. */
  public long size(String path) {
    return run(checkPath(path), () -> files.stat(path).map(GuestFiles.Entry::size).orElse(-1L));
  }

  /**
   * Writes {@code in} to {@code path} atomically (a temporary file renamed over it), creating
   * parent directories. At most {@code maxBytes} are accepted; past that nothing is changed.
   */
  public long write(String path, InputStream in, long maxBytes, Optional<Integer> mode) {
    checkPath(path);
    if (path.endsWith("/")) {
      throw SandboxException.invalidField("path", "path must name a file, not a directory: " + path);
    }
    String name = path.substring(path.lastIndexOf('/') + 1);
    if (name.equals(".") || name.equals("..")) {
      throw SandboxException.invalidField("path", "path must name a file: " + path);
    }
    return run(path, () -> files.write(path, in, maxBytes, mode));
  }

  /** Creates {@code path} and its missing parents, owned by the sandbox's root. */
  public void mkdirs(String path) {
    run(checkPath(path), () -> {
      files.mkdirs(path);
      return null;
    });
  }

  public List<GuestFiles.Entry> list(String path) {
    return run(checkPath(path), () -> files.list(path));
  }

  /** Deletes a file, a symlink or an empty directory (recursive deletes run inside the sandbox). */
  public void delete(String path) {
    checkPath(path);
    String norm = path.replaceAll("/+$", "");
    int slash = norm.lastIndexOf('/');
    if (norm.isEmpty() || slash < 0) {
      throw SandboxException.invalidField("path", "refusing to delete the root directory");
    }
    String name = norm.substring(slash + 1);
    if (name.equals(".") || name.equals("..")) {
      throw SandboxException.invalidField("path", "path must name a file or directory: " + path);
    }
    run(path, () -> {
      files.delete(path);
      return null;
    });
  }
}
