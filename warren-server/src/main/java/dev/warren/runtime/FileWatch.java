package dev.warren.runtime;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells listeners which entries of watched sandbox directories were created or changed (inotify,
 * one thread for all directories). A listener runs on the watch thread and must be quick. Events
 * may be coalesced or lost under overflow, so listeners treat them as hints and re-read files.
 * Thread-safe; {@code close()} is idempotent.
 */
public final class FileWatch implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(FileWatch.class);

  private final WatchService service;
  private final Map<WatchKey, Listener> listeners = new ConcurrentHashMap<>();
  private final Thread thread;

  /** A registration; {@code cancel()} stops its events. */
  public interface Registration extends AutoCloseable {
    @Override
    void close();
  }

  private record Listener(Consumer<String> onName, Runnable onOverflow) {}

  public FileWatch() {
    try {
      this.service = FileSystems.getDefault().newWatchService();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create an inotify watch service", e);
    }
    this.thread = Thread.ofPlatform().daemon().name("warren-file-watch").start(this::loop);
  }

  /**
   * Watches {@code dir}: {@code onName} gets the name of each entry created, changed or moved in;
   * {@code onOverflow} runs when events were lost.
   */
  public Registration watch(SandboxDir dir, Consumer<String> onName, Runnable onOverflow) {
    return watch(dir, false, onName, onOverflow);
  }

  /** As {@link #watch(SandboxDir, Consumer, Runnable)}; with {@code createdOnly}, changes to existing entries are not reported. */
  public Registration watch(SandboxDir dir, boolean createdOnly, Consumer<String> onName, Runnable onOverflow) {
    try {
      WatchKey key = createdOnly ? dir.path().register(service, StandardWatchEventKinds.ENTRY_CREATE)
          : dir.path().register(service, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY);
      listeners.put(key, new Listener(onName, onOverflow));
      return () -> {
        listeners.remove(key);
        key.cancel();
      };
    } catch (IOException e) {
      throw new UncheckedIOException("cannot watch " + dir, e);
    }
  }

  private void loop() {
    while (true) {
      WatchKey key;
      try {
        key = service.take();
      } catch (InterruptedException | ClosedWatchServiceException e) {
        return;
      }
      Listener l = listeners.get(key);
      for (WatchEvent<?> e : key.pollEvents()) {
        if (l == null) {
          continue;
        }
        try {
          if (e.kind() == StandardWatchEventKinds.OVERFLOW) {
            l.onOverflow().run();
          } else {
            l.onName().accept(((Path) e.context()).toString());
          }
        } catch (RuntimeException ex) {
          log.warn("file watch listener failed: {}", ex.toString());
        }
      }
      key.reset();
    }
  }

  @Override
  public void close() {
    try {
      service.close();
    } catch (IOException e) {
      log.debug("closing the watch service", e);
    }
  }
}
