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
 * whose maps we write as root) and cached for the life of the controller. {@link #mapping} makes
 * one-off namespaces of any mapping (snapshot layers owned by another sandbox's range), which the
 * caller closes. Thread-safe.
 */
final class UserNamespaces implements AutoCloseable {
  private final Instance instance;
  private final ConcurrentHashMap<Integer, Integer> fds = new ConcurrentHashMap<>();

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
    return create(from, to, "the mapping " + from + " -> " + to);
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
  }
}
