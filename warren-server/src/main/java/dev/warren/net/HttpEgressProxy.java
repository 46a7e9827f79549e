package dev.warren.net;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link EgressProxy}: a blocking {@link ServerSocket} accept loop on a virtual thread, one
 * virtual thread per connection ({@link Exchange}) and one per relay direction. Every socket it opens
 * or accepts is tracked until released, so {@link #close()} can end them all.
 *
 * <p>A plain HTTP request is served once per client connection: the proxy asks the origin for
 * {@code Connection: close}, relays its answer and closes the client connection (clients open a new
 * connection for the next request, as they do after any {@code Connection: close}).
 */
final class HttpEgressProxy implements EgressProxy, Destinations.Sockets {

  private static final Logger log = LoggerFactory.getLogger(HttpEgressProxy.class);
  private static final Duration CLOSE_WAIT = Duration.ofSeconds(2);

  /** Limits and timeouts; {@link #DEFAULTS} in production, shorter ones in tests. */
  record Settings(
      int headLimitBytes,
      Duration headTimeout,
      Duration connectTimeout,
      Duration idleTimeout,
      int maxConnections) {

    static final Settings DEFAULTS = new Settings(
        64 * 1024, Duration.ofSeconds(30), Duration.ofSeconds(10), Duration.ofMinutes(10), 4096);

    Settings {
      if (headLimitBytes < 1024) {
        throw new IllegalArgumentException("headLimitBytes must be at least 1024: " + headLimitBytes);
      }
      requirePositive(headTimeout, "headTimeout");
      requirePositive(connectTimeout, "connectTimeout");
      requirePositive(idleTimeout, "idleTimeout");
      if (maxConnections < 1) {
        throw new IllegalArgumentException("maxConnections must be positive: " + maxConnections);
      }
    }

    Settings withIdleTimeout(Duration idle) {
      return new Settings(headLimitBytes, headTimeout, connectTimeout, idle, maxConnections);
    }

    Settings withMaxConnections(int max) {
      return new Settings(headLimitBytes, headTimeout, connectTimeout, idleTimeout, max);
    }

    private static void requirePositive(Duration d, String name) {
      if (Objects.requireNonNull(d, name).isNegative() || d.isZero()) {
        throw new IllegalArgumentException(name + " must be positive: " + d);
      }
    }
  }

  final Clients clients;
  final Destinations destinations;
  final Settings settings;
  final ExecutorService threads =
      Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("warren-egress-", 0).factory());
  private final Consumer<EgressEvent> events;
  private final ServerSocket server;
  private final InetSocketAddress address;
  private final Semaphore permits;
  private final Set<Socket> open = ConcurrentHashMap.newKeySet();
  private final AtomicBoolean closed = new AtomicBoolean();
  private final Thread acceptor;

  private HttpEgressProxy(
      ServerSocket server,
      Clients clients,
      Set<InetSocketAddress> neverAllowed,
      Predicate<InetAddress> forbiddenNetworks,
      Consumer<EgressEvent> events,
      Settings settings) {
    this.server = server;
    this.address = (InetSocketAddress) server.getLocalSocketAddress();
    this.clients = clients;
    this.events = events;
    this.settings = settings;
    this.permits = new Semaphore(settings.maxConnections());
    this.destinations = new Destinations(neverAllowed, forbiddenNetworks, address(), settings.connectTimeout());
    this.acceptor = Thread.ofVirtual().name("warren-egress-accept").unstarted(this::acceptLoop);
  }

  static HttpEgressProxy start(
      InetSocketAddress listen,
      Clients clients,
      Set<InetSocketAddress> neverAllowed,
      Consumer<EgressEvent> events,
      Settings settings) {
    return start(listen, clients, neverAllowed, a -> false, events, settings);
  }

  static HttpEgressProxy start(
      InetSocketAddress listen,
      Clients clients,
      Set<InetSocketAddress> neverAllowed,
      Predicate<InetAddress> forbiddenNetworks,
      Consumer<EgressEvent> events,
      Settings settings) {
    Objects.requireNonNull(listen, "listen");
    Objects.requireNonNull(clients, "clients");
    Objects.requireNonNull(neverAllowed, "neverAllowed");
    Objects.requireNonNull(events, "events");
    Objects.requireNonNull(settings, "settings");
    ServerSocket server;
    try {
      server = new ServerSocket();
      try {
        server.setReuseAddress(true);
        server.bind(listen, 512);
      } catch (IOException e) {
        try {
          server.close();
        } catch (IOException suppressed) {
          e.addSuppressed(suppressed);
        }
        throw e;
      }
    } catch (IOException e) {
      throw new UncheckedIOException("egress proxy cannot listen on " + listen + ": " + e, e);
    }
    HttpEgressProxy proxy = new HttpEgressProxy(server, clients, neverAllowed, forbiddenNetworks, events, settings);
    proxy.acceptor.start();
    log.info("egress proxy listening on {}", proxy.address());
    return proxy;
  }

  @Override
  public InetSocketAddress address() {
    return address;
  }

  private void acceptLoop() {
    while (!closed.get()) {
      Socket client;
      try {
        client = server.accept();
      } catch (IOException e) {
        if (!closed.get()) {
          log.warn("egress proxy on {} stopped accepting: {}", address(), e.toString());
        }
        return;
      }
      if (!permits.tryAcquire()) {
        refuseBusy(client);
        continue;
      }
      track(client);
      try {
        threads.execute(() -> {
          try {
            new Exchange(this, client).run();
          } finally {
            release(client);
            permits.release();
          }
        });
      } catch (RejectedExecutionException e) { // closing
        release(client);
        permits.release();
      }
    }
  }

  /** Over the connection cap: answer 503 at once, without reading, from the accept thread. */
  private void refuseBusy(Socket client) {
    Instant started = Instant.now();
    String reason = "too many connections (" + settings.maxConnections() + ")";
    try (client) {
      client.getOutputStream().write(Responses.error(503, reason));
    } catch (IOException e) {
      log.debug("answering 503 to {} failed: {}", client.getRemoteSocketAddress(), e.toString());
    }
    emit(new EgressEvent(Optional.empty(), Exchange.describe(client), "", "", 0, false,
        Optional.of(reason), false, 0, 0, started, Duration.between(started, Instant.now())));
  }

  void emit(EgressEvent event) {
    log.debug("egress {}", event);
    try {
      events.accept(event);
    } catch (RuntimeException e) {
      log.warn("egress event sink failed on an event for {}:{}", event.host(), event.port(), e);
    }
  }

  private void track(Socket socket) {
    open.add(socket);
    if (closed.get()) {
      Relay.closeQuietly(socket);
    }
  }

  @Override
  public Socket open() throws Refusal {
    Socket socket = new Socket();
    track(socket);
    if (socket.isClosed()) {
      open.remove(socket);
      throw new Refusal(503, "egress proxy is shutting down");
    }
    return socket;
  }

  @Override
  public void release(Socket socket) {
    Relay.closeQuietly(socket);
    open.remove(socket);
  }

  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    try {
      server.close();
    } catch (IOException e) {
      log.debug("closing the egress listener failed: {}", e.toString());
    }
    open.forEach(Relay::closeQuietly);
    threads.shutdown();
    try {
      if (!threads.awaitTermination(CLOSE_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
        threads.shutdownNow();
        log.warn("egress proxy threads still running {} after close", CLOSE_WAIT);
      }
      acceptor.join(CLOSE_WAIT);
    } catch (InterruptedException e) {
      threads.shutdownNow();
      Thread.currentThread().interrupt();
    }
    log.info("egress proxy on {} closed", address());
  }
}
