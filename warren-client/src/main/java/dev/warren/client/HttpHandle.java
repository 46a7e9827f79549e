package dev.warren.client;

import java.lang.System.Logger.Level;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

/**
 * What {@link HttpSandbox} and {@link HttpBrowser} share: a handle on the resource at {@code path}
 * whose last known info sits in an atomic reference, and which closes once, deleting the resource
 * when it owns it. Thread-safe.
 *
 * @param <I> the resource's info record
 */
abstract class HttpHandle<I> {

  private static final System.Logger LOG = System.getLogger("dev.warren.client");

  final HttpTransport transport;
  final String id;
  final String path;
  /** "Sandbox" or "Browser": names the handle in its messages. */
  private final String kind;
  private final boolean owning;
  private final Function<Object, I> decoder;
  private final AtomicReference<I> info;
  private final AtomicBoolean closed = new AtomicBoolean();

  HttpHandle(HttpTransport transport, String kind, String id, String path, I info, boolean owning, Function<Object, I> decoder) {
    this.transport = transport;
    this.kind = kind;
    this.id = id;
    this.path = path;
    this.owning = owning;
    this.decoder = decoder;
    this.info = new AtomicReference<>(info);
  }

  public final String id() {
    return id;
  }

  public final I info() {
    ensureOpen();
    I known = info.get();
    return known != null ? known : refresh();
  }

  public final I refresh() {
    ensureOpen();
    return remember(transport.sendJson(Call.get(path), decoder));
  }

  public final boolean deletesOnClose() {
    return owning;
  }

  public final void delete() {
    ensureOpen();
    if (closed.compareAndSet(false, true)) deleteIfPresent();
  }

  public final void close() {
    if (closed.compareAndSet(false, true) && owning) deleteIfPresent();
  }

  /** The call that deletes the resource. */
  Call deleteCall() {
    return Call.delete(path);
  }

  private void deleteIfPresent() {
    String what = kind.toLowerCase(Locale.ROOT);
    try {
      transport.send(deleteCall());
      LOG.log(Level.DEBUG, "deleted {0} {1}", what, id);
    } catch (NotFoundException alreadyGone) {
      LOG.log(Level.DEBUG, "{0} {1} was already deleted", what, id);
    }
  }

  /** Keeps {@code latest} as the known info and returns it. */
  final I remember(I latest) {
    info.set(latest);
    return latest;
  }

  final void ensureOpen() {
    if (closed.get()) throw new IllegalStateException(kind.toLowerCase(Locale.ROOT) + " handle " + id + " is closed");
  }

  @Override
  public final String toString() {
    return kind + "[" + id + (owning ? ", owning" : "") + (closed.get() ? ", closed" : "") + "]";
  }
}
