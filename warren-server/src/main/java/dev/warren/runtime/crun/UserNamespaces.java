package dev.warren.runtime.crun;

import dev.warren.host.Instance;
import dev.warren.host.Syscalls;
import dev.warren.runtime.SandboxRuntimeException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * One user namespace per uid slot, mapping 0..65535 to the slot's host range, kept open as a file
 * descriptor for idmapping golden images. Created lazily (a throwaway {@code unshare -U} process
 * whose maps we write as root) and cached for the life of the controller. {@link #mapping} gives
 * namespaces of any mapping (snapshot layers owned by another sandbox's range), the last
 * {@link #MAPPINGS_KEPT} of them kept, so that the sandboxes made again and again from one snapshot
 * (forks, a pool of workers) start no process for theirs; the caller closes the descriptor it is
 * given. Thread-safe.
 */
final class UserNamespaces implements AutoCloseable {
  private final Instance instance;
  private final ConcurrentHashMap<Integer, Integer> fds = new ConcurrentHashMap<>();
  /** How many namespaces of {@link #mapping} are kept open (the least recently used is closed). */
  static final int MAPPINGS_KEPT = 256;

  private record Mapping(long from, long to) {}

  /** The namespaces of recent mappings, least recently used first; guarded by itself. */
  private final java.util.LinkedHashMap<Mapping, Integer> mappings = new java.util.LinkedHashMap<>(16, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(java.util.Map.Entry<Mapping, Integer> eldest) {
      if (size() <= MAPPINGS_KEPT) {
        return false;
      }
      Syscalls.close(eldest.getValue());
      return true;
    }
  };

  UserNamespaces(Instance instance) {
    this.instance = instance;
  }

  int fd(int slot) {
    return fds.computeIfAbsent(slot, this::create);
  }

  private int create(int slot) {
    return create(0, Uids.rootUid(instance, slot), "slot " + slot);
  }

  /**
   * A new user namespace whose uid and gid maps are {@code from to count} (ids {@code from..} of an
   * idmapped mount's files shown as host ids {@code to..}); the caller closes the descriptor.
   */
  int mapping(long from, long to) {
    Mapping m = new Mapping(from, to);
    synchronized (mappings) {
      Integer kept = mappings.get(m);
      if (kept != null) {
        return reopen(kept);
      }
    }
    // made outside the lock (it runs a process); a call that made the same one meanwhile wins
    int made = create(from, to, "the mapping " + from + " -> " + to);
    synchronized (mappings) {
      Integer other = mappings.putIfAbsent(m, made);
      if (other != null) {
        Syscalls.close(made);
        return reopen(other);
      }
      return reopen(made);
    }
  }

  /** A descriptor of its own for the namespace {@code fd} refers to (the kept one may be closed when it is evicted). */
  private static int reopen(int fd) {
    return Syscalls.open("/proc/self/fd/" + fd, Syscalls.O_RDONLY);
  }

  private int create(long from, long base, String what) {
    Process p;
    try {
      p = new ProcessBuilder("unshare", "--user", "--", "sh", "-c", "echo ready; read line").start();
    } catch (IOException e) {
      throw new SandboxRuntimeException("cannot start unshare to make the user namespace of " + what + ": " + e.getMessage(), e);
    }
    try {
      InputStream out = p.getInputStream();
      byte[] ready = out.readNBytes(6);
      if (ready.length < 6) {
        String err = new String(p.getErrorStream().readAllBytes());
        throw new SandboxRuntimeException("unshare --user failed for " + what + ": " + err.strip());
      }
      String map = from + " " + base + " " + Uids.PER_SANDBOX + "\n";
      Files.writeString(Path.of("/proc", Long.toString(p.pid()), "uid_map"), map);
      Files.writeString(Path.of("/proc", Long.toString(p.pid()), "gid_map"), map);
      return Syscalls.open("/proc/" + p.pid() + "/ns/user", Syscalls.O_RDONLY);
    } catch (IOException e) {
      throw new SandboxRuntimeException("cannot write the uid maps of " + what + ": " + e.getMessage(), e);
    } finally {
      p.destroyForcibly();
      try {
        p.waitFor(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  @Override
  public void close() {
    fds.values().forEach(Syscalls::close);
    fds.clear();
    synchronized (mappings) {
      mappings.values().forEach(Syscalls::close);
      mappings.clear();
    }
  }
}
