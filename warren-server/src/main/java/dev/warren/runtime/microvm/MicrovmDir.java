package dev.warren.runtime.microvm;

import dev.warren.runtime.ExecResult;
import dev.warren.runtime.GuestDir;
import dev.warren.runtime.ReadableFile;
import dev.warren.runtime.SandboxRuntimeException;
import dev.warren.runtime.UnsupportedByRuntimeException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * A directory in a VM's guest, each operation one command through its agent ({@link GuestShell}).
 * Nothing is held open in the guest but the FIFO writers' holders: a {@code sleep} that keeps the
 * FIFO open for reading and writing (marked {@code WARREN_FIFO=<path>} in its environment), so
 * that each write, a {@code cat} into it, never blocks on a missing reader and the FIFO's reader
 * sees its end only when the holder is killed. Watches poll the directory every
 * {@link #POLL_MILLIS} (the guest has no inotify tool) on a virtual thread each. Thread-safe;
 * {@code close()} stops the watches.
 */
final class MicrovmDir implements GuestDir {
  private static final long POLL_MILLIS = 500;
  /** One read of a growing file at most this much. */
  private static final int READ_CHUNK = 1024 * 1024;

  private final GuestShell sh;
  private final String where;
  private final AtomicBoolean closed = new AtomicBoolean();
  private final List<Registration> watches = new java.util.concurrent.CopyOnWriteArrayList<>();

  MicrovmDir(GuestShell sh, String where) {
    this.sh = sh;
    this.where = where;
  }

  /** Opens {@code where}, making it and its parents when {@code create}. */
  static MicrovmDir open(GuestShell sh, String where, boolean create) {
    sh.check("open the directory " + where, create ? "mkdir -p -- \"$1\" && [ -d \"$1\" ] && [ ! -L \"$1\" ]" : "[ -d \"$1\" ] && [ ! -L \"$1\" ]",
        List.of(where), new byte[0], 4096);
    return new MicrovmDir(sh, where);
  }

  @Override
  public String where() {
    return where;
  }

  private String path(String name) {
    if (closed.get()) {
      throw new IllegalStateException("the directory " + where + " is closed");
    }
    if (name.isEmpty() || name.contains("/") || name.equals(".") || name.equals("..")) {
      throw new IllegalArgumentException("not a name in " + where + ": " + name);
    }
    return where + "/" + name;
  }

  @Override
  public void write(String name, byte[] data) {
    sh.check("write " + name, "[ -L \"$1\" ] && rm -f -- \"$1\"; cat > \"$1\"", List.of(path(name)), data, 4096);
  }

  @Override
  public void createEmpty(String name) {
    sh.check("create " + name, "[ -e \"$1\" ] || [ -L \"$1\" ] || : > \"$1\"", List.of(path(name)), new byte[0], 4096);
  }

  @Override
  public void overwrite(String name, byte[] data) {
    write(name, data);
  }

  @Override
  public Optional<byte[]> read(String name, int max) {
    ExecResult r = sh.run("[ -f \"$1\" ] && [ ! -L \"$1\" ] || exit 2; head -c \"$2\" -- \"$1\"", List.of(path(name), Integer.toString(max)),
        new byte[0], Math.max(max, 1));
    return r.exitCode() == 0 ? Optional.of(r.stdout()) : Optional.empty();
  }

  @Override
  public long size(String name) {
    ExecResult r = sh.run("[ -f \"$1\" ] && [ ! -L \"$1\" ] || exit 2; stat -c %s -- \"$1\"", List.of(path(name)), new byte[0], 4096);
    String out = new String(r.stdout(), StandardCharsets.UTF_8).strip();
    return r.exitCode() == 0 && out.matches("[0-9]+") ? Long.parseLong(out) : -1;
  }

  @Override
  public boolean exists(String name) {
    return sh.run("[ -e \"$1\" ] || [ -L \"$1\" ]", List.of(path(name)), new byte[0], 1024).exitCode() == 0;
  }

  @Override
  public Optional<ReadableFile> openAt(String name) {
    String p = path(name);
    if (size(name) < 0) {
      return Optional.empty();
    }
    return Optional.of(new ReadableFile() {
      @Override
      public long size() {
        return Math.max(0, MicrovmDir.this.size(name));
      }

      @Override
      public int read(ByteBuffer into, long position) throws IOException {
        int want = Math.min(into.remaining(), READ_CHUNK);
        if (want == 0) {
          return 0;
        }
        ExecResult r;
        try {
          r = sh.run("tail -c +\"$2\" -- \"$1\" | head -c \"$3\"", List.of(p, Long.toString(position + 1), Integer.toString(want)),
              new byte[0], want);
        } catch (SandboxRuntimeException e) {
          throw new IOException(e.getMessage(), e);
        }
        if (r.stdout().length == 0) {
          return -1;
        }
        into.put(r.stdout());
        return r.stdout().length;
      }

      @Override
      public void close() {}
    });
  }

  @Override
  public void mkdir(String name, int mode) {
    sh.check("make the directory " + name, "[ -d \"$1\" ] || mkdir -m \"$2\" -- \"$1\"", List.of(path(name), Integer.toOctalString(mode)),
        new byte[0], 4096);
  }

  @Override
  public GuestDir sub(String name) {
    return open(sh, path(name), false);
  }

  @Override
  public void mkfifo(String name) {
    sh.check("make the FIFO " + name, "[ -p \"$1\" ] || mkfifo -m 0600 -- \"$1\"", List.of(path(name)), new byte[0], 4096);
  }

  @Override
  public FifoWriter fifoWriter(String name) {
    Holder h = Holder.start(sh, path(name));
    return new FifoWriter() {
      @Override
      public void write(byte[] bytes) {
        h.write(bytes);
      }

      @Override
      public void close() {
        h.close();
      }
    };
  }

  @Override
  public OutputStream openFifoForWriting(String name) throws IOException {
    Holder h;
    try {
      h = Holder.start(sh, path(name));
    } catch (SandboxRuntimeException e) {
      throw new IOException(e.getMessage(), e);
    }
    return new OutputStream() {
      @Override
      public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
      }

      @Override
      public void write(byte[] b, int off, int len) throws IOException {
        try {
          h.write(java.util.Arrays.copyOfRange(b, off, off + len));
        } catch (RuntimeException e) {
          throw new IOException(e.getMessage(), e);
        }
      }

      @Override
      public void close() {
        h.close();
      }
    };
  }

  @Override
  public InputStream openForReading(String name) {
    throw new UnsupportedByRuntimeException("microvm", "stream a FIFO out of a VM (terminals)");
  }

  @Override
  public void delete(String name) {
    sh.check("delete " + name, "if [ -d \"$1\" ] && [ ! -L \"$1\" ]; then rmdir -- \"$1\"; else rm -f -- \"$1\"; fi", List.of(path(name)),
        new byte[0], 4096);
  }

  @Override
  public List<String> list() {
    return List.copyOf(snapshot().keySet());
  }

  /** Each entry's name and what changes when it is written (modification time and size). */
  private Map<String, String> snapshot() {
    ExecResult r = sh.check("list " + where, "find \"$1/\" -mindepth 1 -maxdepth 1 -printf '%T@ %s %f\\0'", List.of(where), new byte[0],
        16 * 1024 * 1024);
    Map<String, String> out = new HashMap<>();
    for (String rec : new String(r.stdout(), StandardCharsets.UTF_8).split("\0")) {
      int second = rec.indexOf(' ', rec.indexOf(' ') + 1);
      if (second > 0) {
        out.put(rec.substring(second + 1), rec.substring(0, second));
      }
    }
    return out;
  }

  @Override
  public Registration watch(boolean createdOnly, Consumer<String> onName, Runnable onOverflow) {
    AtomicBoolean stopped = new AtomicBoolean();
    Map<String, String> seen = new HashMap<>(snapshot());
    Thread poller = Thread.ofVirtual().name("microvm-watch-" + sh.sandboxId()).start(() -> {
      while (!stopped.get() && !closed.get()) {
        try {
          Thread.sleep(POLL_MILLIS);
          Map<String, String> now = snapshot();
          for (var e : now.entrySet()) {
            String before = seen.get(e.getKey());
            if (before == null || (!createdOnly && !before.equals(e.getValue()))) {
              onName.accept(e.getKey());
            }
          }
          seen.clear();
          seen.putAll(now);
        } catch (InterruptedException e) {
          return;
        } catch (RuntimeException e) {
          // the VM is stopping or the directory went: the listeners re-read when it comes back
          if (stopped.get() || closed.get()) {
            return;
          }
          try {
            Thread.sleep(1000);
          } catch (InterruptedException ie) {
            return;
          }
        }
      }
    });
    Registration reg = () -> {
      stopped.set(true);
      poller.interrupt();
    };
    watches.add(reg);
    return reg;
  }

  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      watches.forEach(Registration::close);
    }
  }

  /** A FIFO held open in the guest by a marked {@code sleep}; writes are {@code cat}s into it. */
  private record Holder(GuestShell sh, String fifo, AtomicBoolean closed) {
    static Holder start(GuestShell sh, String fifo) {
      // a holder left by an earlier controller for this FIFO goes first: one writer end of ours at a time
      sh.signalMarked("WARREN_FIFO", fifo, 9);
      sh.spawn(List.of("/bin/sh", "-c", "exec 3<>\"$1\" && exec sleep 2147483647", "warren-fifo", fifo), Map.of("WARREN_FIFO", fifo),
          Optional.of("/"));
      return new Holder(sh, fifo, new AtomicBoolean());
    }

    void write(byte[] bytes) {
      if (closed.get()) {
        throw new IllegalStateException("the writer of " + fifo + " is closed");
      }
      sh.check("write to " + fifo, "[ -p \"$1\" ] || exit 2; cat >> \"$1\"", List.of(fifo), bytes, 4096);
    }

    void close() {
      if (closed.compareAndSet(false, true)) {
        try {
          sh.signalMarked("WARREN_FIFO", fifo, 9);
        } catch (RuntimeException e) {
          // the VM is gone: so is the holder
        }
      }
    }
  }
}
