package dev.warren.runtime.crun;

import dev.warren.host.Syscalls;
import dev.warren.runtime.GuestDir;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells listeners which entries of watched sandbox directories were created or written
 * (inotify, read directly by one platform thread for all directories; listeners run on it and must
 * be quick). Events can be lost under overflow, so listeners treat them as hints and re-read files.
 * One per runtime, which owns and closes it. Thread-safe; {@code close()} is idempotent.
 */
final class FileWatch implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(FileWatch.class);
  private static final int IN_CLOSE_WRITE = 0x8;
  private static final int IN_MOVED_TO = 0x80;
  private static final int IN_CREATE = 0x100;
  private static final int IN_Q_OVERFLOW = 0x4000;
  private static final int IN_IGNORED = 0x8000;
  private static final int EINTR = 4;

  private final int fd;
  private final Map<Integer, Listener> listeners = new ConcurrentHashMap<>();
  private final AtomicBoolean closed = new AtomicBoolean();
  private final Thread thread;

  private record Listener(Consumer<String> onName, Runnable onOverflow) {}

  FileWatch() {
    this.fd = Syscalls.inotifyInit();
    this.thread = Thread.ofPlatform().daemon().name("warren-file-watch").start(this::loop);
  }

  /**
   * Watches {@code dir}: {@code onName} gets the name of each entry created, written or moved in;
   * with {@code createdOnly}, writes to existing entries are not reported.
   */
  GuestDir.Registration watch(SandboxDir dir, boolean createdOnly, Consumer<String> onName, Runnable onOverflow) {
    // a file written and closed is complete: IN_CLOSE_WRITE rather than every IN_MODIFY
    int mask = IN_CREATE | IN_MOVED_TO | (createdOnly ? 0 : IN_CLOSE_WRITE);
    int wd = Syscalls.inotifyAddWatch(fd, dir.path().toString(), mask);
    Listener l = new Listener(onName, onOverflow);
    if (listeners.putIfAbsent(wd, l) != null) {
      throw new IllegalStateException(dir + " is watched already");
    }
    return () -> {
      if (listeners.remove(wd, l) && !closed.get()) {
        Syscalls.inotifyRmWatch(fd, wd);
      }
    };
  }

  private void loop() {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment buf = arena.allocate(64 * 1024, 8);
      while (!closed.get()) {
        // a bounded wait, so that close() is noticed: closing a descriptor does not end a read blocked on it
        if (!Syscalls.pollIn(fd, 500)) {
          continue;
        }
        long n = Syscalls.read(fd, buf);
        if (n < 0) {
          if (n == -EINTR) {
            continue;
          }
          if (!closed.get()) {
            log.warn("inotify read failed (errno {}); file events stop", -n);
          }
          return;
        }
        dispatch(buf, n);
      }
    }
  }

  /** struct inotify_event { int wd; uint32_t mask, cookie, len; char name[len]; } */
  private void dispatch(MemorySegment buf, long n) {
    long off = 0;
    while (off + 16 <= n) {
      int wd = buf.get(ValueLayout.JAVA_INT, off);
      int mask = buf.get(ValueLayout.JAVA_INT, off + 4);
      int len = buf.get(ValueLayout.JAVA_INT, off + 12);
      String name = len == 0 ? "" : cString(buf.asSlice(off + 16, len));
      off += 16 + len;
      try {
        if ((mask & IN_Q_OVERFLOW) != 0) {
          listeners.values().forEach(l -> l.onOverflow().run());
          continue;
        }
        if ((mask & IN_IGNORED) != 0 || name.isEmpty()) {
          continue;
        }
        Listener l = listeners.get(wd);
        if (l != null) {
          l.onName().accept(name);
        }
      } catch (RuntimeException e) {
        log.warn("file watch listener failed: {}", e.toString());
      }
    }
  }

  private static String cString(MemorySegment s) {
    int end = 0;
    while (end < s.byteSize() && s.get(ValueLayout.JAVA_BYTE, end) != 0) {
      end++;
    }
    return new String(s.asSlice(0, end).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8);
  }

  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      try {
        thread.join(2000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      Syscalls.close(fd);
    }
  }
}
