package dev.warren.stream;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;

/**
 * The viewers of one generation of one browser session and the screencast they share. Pacing:
 * a viewer gets a frame only when it has acknowledged the one before; meanwhile newer frames
 * replace each other, so it gets the newest when it asks again and never a backlog. The screencast
 * runs while someone watches. Sends do not block (the web server queues), so they happen under the
 * lock, which keeps each viewer's messages in order. Thread-safe.
 */
final class Channel implements Screencast.Sink {
  private final String target;
  private final long generation;
  private final int width;
  private final int height;
  private final LiveViews owner;
  private final ReentrantLock lock = new ReentrantLock();
  private final Map<String, Viewer> viewers = new LinkedHashMap<>();
  private Screencast cast;
  private boolean casting;
  private boolean closed;
  private Screencast.Frame latest;
  private String latestMessage;
  private Optional<String> holder;
  private String pageMessage;

  Channel(String target, long generation, int width, int height, Optional<String> holder, LiveViews owner) {
    this.target = target;
    this.generation = generation;
    this.width = width;
    this.height = height;
    this.holder = holder;
    this.owner = owner;
  }

  String target() {
    return target;
  }

  long generation() {
    return generation;
  }

  boolean isClosed() {
    lock.lock();
    try {
      return closed;
    } finally {
      lock.unlock();
    }
  }

  /**
   * Adds a viewer, says hello (built from the current holder) and sends the newest frame; a
   * viewer of the same id already here is replaced. False when the channel has closed meanwhile.
   */
  boolean add(Viewer v, Function<Optional<String>, String> hello) {
    Viewer replaced;
    lock.lock();
    try {
      if (closed) {
        return false;
      }
      replaced = viewers.put(v.id(), v);
      v.channel = this;
      v.awaiting = 0;
      v.lastSent = 0;
      v.send(hello.apply(holder));
      if (pageMessage != null) {
        v.send(pageMessage);
      }
      if (latest != null) {
        sendFrame(v);
      }
      if (cast != null && !casting) {
        cast.start();
        casting = true;
      }
    } finally {
      lock.unlock();
    }
    if (replaced != null && replaced != v) {
      replaced.close(CloseCode.REPLACED, "viewer " + v.id() + " connected again elsewhere; this connection is replaced");
    }
    return true;
  }

  /** Removes a viewer; true when nobody is left watching. */
  boolean remove(Viewer v) {
    lock.lock();
    try {
      viewers.remove(v.id(), v);
      if (viewers.isEmpty() && cast != null && casting) {
        cast.stop();
        casting = false;
      }
      return viewers.isEmpty();
    } finally {
      lock.unlock();
    }
  }

  boolean isIdle() {
    lock.lock();
    try {
      return viewers.isEmpty();
    } finally {
      lock.unlock();
    }
  }

  /** The screencast is connected; false when the channel closed meanwhile (the caller closes it). */
  boolean opened(Screencast s) {
    lock.lock();
    try {
      if (closed) {
        return false;
      }
      cast = s;
      if (!viewers.isEmpty()) {
        s.start();
        casting = true;
      }
      return true;
    } finally {
      lock.unlock();
    }
  }

  Optional<Screencast> cast() {
    lock.lock();
    try {
      return Optional.ofNullable(cast);
    } finally {
      lock.unlock();
    }
  }

  Optional<String> holder() {
    lock.lock();
    try {
      return holder;
    } finally {
      lock.unlock();
    }
  }

  /** Control moved: everyone is told, the previous holder included. */
  void holderChanged(Optional<String> now, Optional<String> previous) {
    String msg = Messages.control(now, previous);
    lock.lock();
    try {
      holder = now;
      viewers.values().forEach(v -> v.send(msg));
    } finally {
      lock.unlock();
    }
  }

  void broadcast(String msg) {
    lock.lock();
    try {
      viewers.values().forEach(v -> v.send(msg));
    } finally {
      lock.unlock();
    }
  }

  /** A viewer showed frame {@code seq}: it gets the newest one if there is a newer one. */
  void ack(Viewer v, long seq) {
    lock.lock();
    try {
      if (v.awaiting != seq) {
        return;
      }
      v.awaiting = 0;
      if (latest != null && latest.seq() > v.lastSent && viewers.get(v.id()) == v) {
        sendFrame(v);
      }
    } finally {
      lock.unlock();
    }
  }

  @Override
  public void frame(Screencast.Frame f) {
    String msg = Messages.frame(f);
    lock.lock();
    try {
      latest = f;
      latestMessage = msg;
      for (Viewer v : viewers.values()) {
        if (v.awaiting == 0) {
          sendFrame(v);
        }
      }
    } finally {
      lock.unlock();
    }
  }

  private void sendFrame(Viewer v) {
    v.send(latestMessage);
    v.awaiting = latest.seq();
    v.lastSent = latest.seq();
  }

  @Override
  public void page(String url, String title) {
    String msg = Messages.page(url, title);
    lock.lock();
    try {
      pageMessage = msg;
      viewers.values().forEach(v -> v.send(msg));
    } finally {
      lock.unlock();
    }
  }

  @Override
  public void lost(String why) {
    owner.lost(this, why);
  }

  /** Marks the channel closed and hands back its viewers and screencast for the caller to close. */
  Closed close() {
    lock.lock();
    try {
      closed = true;
      List<Viewer> left = new ArrayList<>(viewers.values());
      viewers.clear();
      Optional<Screencast> s = Optional.ofNullable(cast);
      cast = null;
      return new Closed(left, s);
    } finally {
      lock.unlock();
    }
  }

  /** What a closed channel leaves to close. */
  record Closed(List<Viewer> viewers, Optional<Screencast> cast) {}

  int width() {
    return width;
  }

  int height() {
    return height;
  }
}
