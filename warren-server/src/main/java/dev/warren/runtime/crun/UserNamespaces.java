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
 * whose maps we write as root) and cached for the life of the controller.
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
    long base = Uids.rootUid(instance, slot);
    Process p;
    try {
      p = new ProcessBuilder("unshare", "--user", "--", "sh", "-c", "echo ready; read line").start();
    } catch (IOException e) {
      throw new SandboxRuntimeException("cannot start unshare to make the user namespace of slot " + slot + ": " + e.getMessage(), e);
    }
    try {
      InputStream out = p.getInputStream();
      byte[] ready = out.readNBytes(6);
      if (ready.length < 6) {
        String err = new String(p.getErrorStream().readAllBytes());
        throw new SandboxRuntimeException("unshare --user failed for slot " + slot + ": " + err.strip());
      }
      String map = "0 " + base + " " + Uids.PER_SANDBOX + "\n";
      Files.writeString(Path.of("/proc", Long.toString(p.pid()), "uid_map"), map);
      Files.writeString(Path.of("/proc", Long.toString(p.pid()), "gid_map"), map);
      return Syscalls.open("/proc/" + p.pid() + "/ns/user", Syscalls.O_RDONLY);
    } catch (IOException e) {
      throw new SandboxRuntimeException("cannot map uids of slot " + slot + " to " + base + ": " + e.getMessage(), e);
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
