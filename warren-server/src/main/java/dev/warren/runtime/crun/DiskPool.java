package dev.warren.runtime.crun;

import dev.warren.host.SyscallException;
import dev.warren.host.Syscalls;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Empty disks of the default size, made and mounted ahead of demand ({@code WARREN_DISK_POOL}), so
 * that a create takes one in the time of a rename instead of attaching and mounting a disk (10 to
 * 50 ms on a loaded host). A pooled disk lives in a directory of its own under the sandboxes
 * directory, {@code .pool-<uuid>/}, laid out like a sandbox's ({@code disk.img}, {@code disk.dev},
 * {@code disk/} with {@code upper/} and {@code work/}); taking it renames that directory to the new
 * sandbox's, and its mount moves with it. A pooled disk holds nothing of any caller: an empty
 * filesystem, root's until taken.
 *
 * <p>One virtual thread at a time fills the pool: after each take, and first of all when the
 * first disk is opened (never during a teardown), when it also removes the pooled disks an earlier
 * controller left. Thread-safe: ready directories are handed out through a concurrent queue.
 */
final class DiskPool implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(DiskPool.class);
  static final String PREFIX = ".pool-";

  /** Makes an empty disk of {@code size} in {@code dirs}, mounted, with its upper and work directories. */
  interface Maker {
    void makeMounted(String label, SandboxDirs dirs, DiskSize size);
  }

  /** Unmounts a disk and deletes its directory. */
  interface Remover {
    void remove(String label, SandboxDirs dirs);
  }

  private final Path sandboxesDir;
  private final int count;
  private final DiskSize size;
  private final Maker maker;
  private final Remover remover;
  private final ConcurrentLinkedQueue<Path> ready = new ConcurrentLinkedQueue<>();
  private final AtomicBoolean filling = new AtomicBoolean();
  private final AtomicBoolean leftoversCleared = new AtomicBoolean();
  private volatile boolean closed;
  private volatile Thread filler;

  /**
   * @param count disks kept ready
   * @param size the disk every pooled one is (the default); only a sandbox asking for that size gets one
   */
  DiskPool(Path sandboxesDir, int count, DiskSize size, Maker maker, Remover remover) {
    this.sandboxesDir = sandboxesDir;
    this.count = count;
    this.size = size;
    this.maker = maker;
    this.remover = remover;
  }

  /**
   * Moves a pooled disk to {@code target} (a sandbox directory that does not exist yet) when one is
   * ready and {@code wanted} is the pooled size; false otherwise. Starts a refill either way.
   */
  boolean take(SandboxDirs target, DiskSize wanted) {
    try {
      if (count == 0 || !wanted.equals(size) || Files.exists(target.root())) {
        return false;
      }
      for (Path p; (p = ready.poll()) != null; ) {
        try {
          Syscalls.renameat(Syscalls.AT_FDCWD, p.toString(), Syscalls.AT_FDCWD, target.root().toString());
          return true;
        } catch (SyscallException e) {
          log.warn("pooled disk {} could not be taken: {}", p, e.getMessage());
          remove(p);
        }
      }
      return false;
    } finally {
      fill();
    }
  }

  /** Starts the filler unless it runs. */
  void fill() {
    if (closed || count == 0 || !filling.compareAndSet(false, true)) {
      return;
    }
    filler = Thread.ofVirtual().name("disk-pool").start(() -> {
      try {
        if (leftoversCleared.compareAndSet(false, true)) {
          leftovers().forEach(this::remove);
        }
        while (!closed && ready.size() < count) {
          Path dir = sandboxesDir.resolve(PREFIX + UUID.randomUUID());
          try {
            maker.makeMounted(dir.getFileName().toString(), new SandboxDirs(dir), size);
          } catch (RuntimeException e) {
            remove(dir);
            throw e;
          }
          ready.add(dir);
        }
      } catch (RuntimeException e) {
        // e.g. no room on the host: creates make their own disks meanwhile
        log.info("the disk pool is not filled: {}", e.getMessage());
      } finally {
        filling.set(false);
      }
    });
  }

  private List<Path> leftovers() {
    try (var s = Files.list(sandboxesDir)) {
      return s.filter(p -> p.getFileName().toString().startsWith(PREFIX)).toList();
    } catch (IOException e) {
      return List.of();
    }
  }

  private void remove(Path dir) {
    try {
      remover.remove(dir.getFileName().toString(), new SandboxDirs(dir));
    } catch (RuntimeException e) {
      log.warn("cannot remove pooled disk {}: {}", dir, e.getMessage());
    }
  }

  /** Removes every pooled disk, ready or left by an earlier controller (uninstall). */
  void drain() {
    close();
    ready.clear();
    leftovers().forEach(this::remove);
  }

  /** Stops filling; ready disks stay for the next controller, which removes them. Idempotent. */
  @Override
  public void close() {
    closed = true;
    Thread t = filler;
    if (t != null) {
      try {
        t.join(Duration.ofSeconds(10));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
