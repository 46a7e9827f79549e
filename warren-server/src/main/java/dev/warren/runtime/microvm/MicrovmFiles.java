package dev.warren.runtime.microvm;

import dev.warren.runtime.ExecResult;
import dev.warren.runtime.ExecSpec;
import dev.warren.runtime.GuestFileException;
import dev.warren.runtime.GuestFileException.Kind;
import dev.warren.runtime.GuestFiles;
import dev.warren.runtime.SandboxRuntimeException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * A VM's files, reached through its agent: each call is one command in the guest (a few lines of
 * POSIX sh over the image's coreutils and find), its bytes carried by the length-framed stdin and
 * stdout of the guest protocol. Paths resolve in the guest's own root, where the guest kernel
 * keeps them, so nothing outside the VM can be named. Transfers are bounded by
 * {@link #MAX_BYTES} each way (they pass through the guest's memory and the controller's whole):
 * a larger upload or download is refused as {@link Kind#TOO_LARGE}. Errors are the crun runtime's
 * kinds, told by the script's exit codes. Stateless; thread-safe.
 */
record MicrovmFiles(MicrovmRuntime runtime, String sandboxId) implements GuestFiles {
  /** The largest file read or written in one call. */
  static final int MAX_BYTES = 32 * 1024 * 1024;
  private static final Duration TIMEOUT = Duration.ofSeconds(120);
  private static final int NOT_FOUND = 2;
  private static final int IS_DIRECTORY = 3;
  private static final int NOT_REGULAR = 4;
  private static final int NOT_EMPTY = 5;
  private static final int NOT_A_DIRECTORY = 6;

  // each script gets the path as $1; exit codes as above, anything else is a failure told by stderr
  private static final String READ = """
      [ -e "$1" ] || exit 2
      [ -d "$1" ] && exit 3
      [ -f "$1" ] || exit 4
      exec cat -- "$1"
      """;
  private static final String STAT = """
      [ -e "$1" ] || exit 2
      exec find -L "$1" -maxdepth 0 -printf '%y|%s|%m|%T@|x\\0'
      """;
  private static final String LIST = """
      [ -e "$1" ] || exit 2
      [ -d "$1" ] || exit 6
      exec find "$1/" -mindepth 1 -maxdepth 1 -printf '%y|%s|%m|%T@|%f\\0'
      """;
  private static final String MKDIRS = """
      mkdir -p -- "$1" 2>/dev/null
      [ -d "$1" ] || exit 6
      """;
  // written to a temporary file beside it and renamed over it; the mode of a replaced file kept unless $2 gives one
  private static final String WRITE = """
      d=$(dirname -- "$1")
      mkdir -p -- "$d" 2>/dev/null
      [ -d "$d" ] || exit 6
      [ -d "$1" ] && exit 3
      t="$d/.warren-upload.$$"
      cat > "$t" || { rm -f -- "$t"; exit 1; }
      if [ -n "$2" ]; then chmod "$2" "$t"; elif [ -f "$1" ]; then chmod --reference="$1" "$t"; fi
      mv -f -- "$t" "$1" || { rm -f -- "$t"; exit 1; }
      """;
  private static final String DELETE = """
      [ -e "$1" ] || [ -L "$1" ] || exit 2
      if [ -d "$1" ] && [ ! -L "$1" ]; then
        [ -z "$(ls -A -- "$1")" ] || exit 5
        exec rmdir -- "$1"
      fi
      exec rm -f -- "$1"
      """;

  @Override
  public InputStream read(String path) {
    ExecResult r = run("read", READ, List.of(path), new byte[0], MAX_BYTES + 1);
    if (r.exitCode() == 0 && r.stdoutSize() > MAX_BYTES) {
      throw new GuestFileException(Kind.TOO_LARGE, path + " in " + sandboxId + " is " + r.stdoutSize() + " bytes; a microVM's files are read "
          + "through its agent, at most " + MAX_BYTES + " bytes a file (use exec to split it)");
    }
    check("read", path, r);
    return new ByteArrayInputStream(r.stdout());
  }

  @Override
  public Optional<Entry> stat(String path) {
    ExecResult r = run("stat", STAT, List.of(path), new byte[0], 4096);
    if (r.exitCode() == NOT_FOUND) {
      return Optional.empty();
    }
    check("stat", path, r);
    List<Entry> e = entries(r.stdout());
    if (e.isEmpty()) {
      return Optional.empty();
    }
    Entry one = e.getFirst();
    return Optional.of(new Entry(path.substring(path.lastIndexOf('/') + 1), one.type(), one.size(), one.mode(), one.modifiedAt()));
  }

  @Override
  public long write(String path, InputStream in, long maxBytes, Optional<Integer> mode) {
    long limit = Math.min(maxBytes, MAX_BYTES);
    byte[] bytes;
    try {
      bytes = in.readNBytes((int) limit + 1);
    } catch (IOException e) {
      throw new GuestFileException(Kind.FAILED, "upload to " + path + " failed: " + e.getMessage(), e);
    }
    if (bytes.length > limit) {
      throw new GuestFileException(Kind.TOO_LARGE, "upload to " + path + " is larger than the limit of " + limit + " bytes"
          + (limit < maxBytes ? " (a microVM's files are written through its agent)" : ""));
    }
    check("write", path, run("write", WRITE, List.of(path, mode.map(m -> String.format("%04o", m)).orElse("")), bytes, 4096));
    return bytes.length;
  }

  @Override
  public void mkdirs(String path) {
    check("create the directory", path, run("mkdir", MKDIRS, List.of(path), new byte[0], 4096));
  }

  @Override
  public List<Entry> list(String path) {
    ExecResult r = run("list", LIST, List.of(path), new byte[0], 16 * 1024 * 1024);
    check("list", path, r);
    if (r.truncated()) {
      throw new GuestFileException(Kind.TOO_LARGE, path + " in " + sandboxId + " has too many entries to list through the agent");
    }
    List<Entry> out = new ArrayList<>(entries(r.stdout()));
    out.sort((x, y) -> x.name().compareTo(y.name()));
    return out;
  }

  @Override
  public void delete(String path) {
    String norm = path.replaceAll("/+$", "");
    check("delete", path, run("delete", DELETE, List.of(norm.isEmpty() ? "/" : norm), new byte[0], 4096));
  }

  private ExecResult run(String what, String script, List<String> args, byte[] stdin, int maxOut) {
    List<String> argv = Stream.concat(Stream.of("/bin/sh", "-c", script, "warren-files"), args.stream()).toList();
    try {
      return runtime.channel(sandboxId).exec(new ExecSpec(argv, Map.of(), Optional.of("/"), stdin, TIMEOUT, maxOut));
    } catch (SandboxRuntimeException e) {
      throw new GuestFileException(Kind.NOT_RUNNING, "cannot " + what + " " + args.getFirst() + " in " + sandboxId + ": " + e.getMessage(), e);
    }
  }

  private void check(String what, String path, ExecResult r) {
    String err = new String(r.stderr(), StandardCharsets.UTF_8).strip();
    switch (r.exitCode()) {
      case 0 -> {
        return;
      }
      case NOT_FOUND -> throw new GuestFileException(Kind.NOT_FOUND, "no such file or directory in " + sandboxId + ": " + path);
      case IS_DIRECTORY -> throw new GuestFileException(Kind.BAD_PATH, path + " is a directory"
          + (what.equals("read") ? "; list it with /files/list" : ""));
      case NOT_REGULAR -> throw new GuestFileException(Kind.BAD_PATH, path + " is not a regular file");
      case NOT_EMPTY -> throw new GuestFileException(Kind.EXISTS, path + " is a directory that is not empty (use recursive=true)");
      case NOT_A_DIRECTORY -> throw new GuestFileException(Kind.BAD_PATH, "a component of " + path + " is not a directory");
      default -> {
        if (err.contains("No space left on device") || err.contains("Disk quota exceeded")) {
          throw new GuestFileException(Kind.NO_SPACE, "no space left writing " + path);
        }
        if (r.timedOut()) {
          throw new GuestFileException(Kind.FAILED, "cannot " + what + " " + path + " in " + sandboxId + ": the guest took longer than "
              + TIMEOUT.toSeconds() + " s");
        }
        throw new GuestFileException(Kind.FAILED, "cannot " + what + " " + path + " in " + sandboxId + " (exit " + r.exitCode() + "): " + err);
      }
    }
  }

  /** {@code find -printf '%y|%s|%m|%T@|%f\0'} records. */
  private static List<Entry> entries(byte[] out) {
    List<Entry> entries = new ArrayList<>();
    for (String rec : new String(out, StandardCharsets.UTF_8).split("\0")) {
      if (rec.isEmpty()) {
        continue;
      }
      String[] f = rec.split("\\|", 5);
      if (f.length < 5) {
        continue;
      }
      String type = switch (f[0]) {
        case "f" -> "file";
        case "d" -> "directory";
        case "l" -> "symlink";
        default -> "other";
      };
      double seconds = Double.parseDouble(f[3]);
      long whole = (long) Math.floor(seconds);
      Instant at = Instant.ofEpochSecond(whole, Math.round((seconds - whole) * 1e9) / 1000 * 1000);
      entries.add(new Entry(f[4], type, Long.parseLong(f[1]), String.format("%04o", Integer.parseInt(f[2], 8)), at));
    }
    return entries;
  }
}
