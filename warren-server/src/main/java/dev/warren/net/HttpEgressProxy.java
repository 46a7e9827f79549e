package dev.warren.net;

import java.io.IOException;
import java.io.UncheckedIOException;
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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link EgressProxy}: a blocking {@link ServerSocket} accept loop on a virtual thread, one
 * virtual thread per connection ({@link Exchange}) and one per relay direction. Every socket it opens
 * or accepts is tracked until released, so {@link #close()} can end them all.
 *
 * <p>A plain HTTP request is served once per client connection: the proxy asks the origin for
 * {@code Connection: close}, relays its answer and closes the client connection (clients open a new
 * connection for the next request, as they do after any {@code Connection: close}); bytes the
 * client sends after its request are dropped ({@link HttpForward}).
 *
 * <p>Connections are capped twice: {@code maxConnections} in all, and {@code
 * maxConnectionsPerSandbox} per sandbox, so that one sandbox cannot take every connection (it gets
 * 429 past its share while the others carry on). Both are counted on the accept thread, which owns
 * the admission; the connection's thread gives both back when it ends.
 */
final class HttpEgressProxy implements EgressProxy, Destinations.Sockets {

  private static final Logger log = LoggerFactory.getLogger(HttpEgressProxy.class);
  private static final Duration CLOSE_WAIT = Duration.ofSeconds(2);

  /** Limits, timeouts and name resolution; {@link #DEFAULTS} in production, others in tests. */
  record Settings(
      int headLimitBytes,
      Duration headTimeout,
      Duration connectTimeout,
      Duration idleTimeout,
      int maxConnections,
      int maxConnectionsPerSandbox,
      Destinations.Resolver resolver) {

    static final int DEFAULT_MAX_PER_SANDBOX = 256;
    static final Settings DEFAULTS = new Settings(
        64 * 1024, Duration.ofSeconds(30), Duration.ofSeconds(10), Duration.ofMinutes(10), 4096, DEFAULT_MAX_PER_SANDBOX,
        Destinations.Resolver.SYSTEM);

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
      if (maxConnectionsPerSandbox < 1) {
        throw new IllegalArgumentException("maxConnectionsPerSandbox must be positive: " + maxConnectionsPerSandbox);
      }
      Objects.requireNonNull(resolver, "resolver");
    }

    Settings withIdleTimeout(Duration idle) {
      return new Settings(headLimitBytes, headTimeout, connectTimeout, idle, maxConnections, maxConnectionsPerSandbox, resolver);
    }

    Settings withMaxConnections(int max) {
      return new Settings(headLimitBytes, headTimeout, connectTimeout, idleTimeout, max, maxConnectionsPerSandbox, resolver);
    }

    Settings withMaxConnectionsPerSandbox(int max) {
      return new Settings(headLimitBytes, headTimeout, connectTimeout, idleTimeout, maxConnections, max, resolver);
    }

    Settings withResolver(Destinations.Resolver r) {
      return new Settings(headLimitBytes, headTimeout, connectTimeout, idleTimeout, maxConnections, maxConnectionsPerSandbox, r);
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
  private final ConcurrentHashMap<String, Integer> perSandbox = new ConcurrentHashMap<>();
  private final Set<Socket> open = ConcurrentHashMap.newKeySet();
  private final AtomicBoolean closed = new AtomicBoolean();
  private final Thread acceptor;

  private HttpEgressProxy(
      ServerSocket server,
      Clients clients,
      Set<InetSocketAddress> neverAllowed,
      EgressGuard guard,
      Consumer<EgressEvent> events,
      Settings settings) {
    this.server = server;
    this.address = (InetSocketAddress) server.getLocalSocketAddress();
    this.clients = clients;
    this.events = events;
    this.settings = settings;
    this.permits = new Semaphore(settings.maxConnections());
    this.destinations = new Destinations(neverAllowed, guard, address(), settings.connectTimeout(), settings.resolver());
    this.acceptor = Thread.ofVirtual().name("warren-egress-accept").unstarted(this::acceptLoop);
  }

  static HttpEgressProxy start(
      InetSocketAddress listen,
      Clients clients,
      Set<InetSocketAddress> neverAllowed,
      EgressGuard guard,
      Consumer<EgressEvent> events,
      Settings settings) {
    Objects.requireNonNull(listen, "listen");
    Objects.requireNonNull(clients, "clients");
    Objects.requireNonNull(neverAllowed, "neverAllowed");
    Objects.requireNonNull(guard, "guard");
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
    HttpEgressProxy proxy = new HttpEgressProxy(server, clients, neverAllowed, guard, events, settings);
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
      Optional<String> sandbox = sandboxOf(client);
      if (sandbox.isPresent() && !admit(sandbox.get())) {
        refuse(client, sandbox, 429, "sandbox " + sandbox.get() + " has " + settings.maxConnectionsPerSandbox()
            + " egress connections open, its limit (WARREN_EGRESS_MAX_CONNECTIONS_PER_SANDBOX); close some first");
        continue;
      }
      if (!permits.tryAcquire()) {
        sandbox.ifPresent(this::leave);
        refuse(client, sandbox, 503, "too many connections (" + settings.maxConnections() + ")");
        continue;
      }
      track(client);
      Runnable done = () -> {
        release(client);
        permits.release();
        sandbox.ifPresent(this::leave);
      };
      try {
        threads.execute(() -> {
          Optional<EgressEvent> ended;
          try {
            ended = new Exchange(this, client).run();
          } finally {
            done.run();
          }
          // after the slot is given back: one who saw a connection end may open the next at once
          ended.ifPresent(this::emit);
        });
      } catch (RejectedExecutionException e) { // closing
        done.run();
      }
    }
  }

  /** The sandbox behind a connection, for its share of the connections; empty if unknown (the exchange refuses it). */
  private Optional<String> sandboxOf(Socket client) {
    try {
      return clients.lookup(client.getInetAddress()).map(Client::sandboxId);
    } catch (RuntimeException e) {
      return Optional.empty();
    }
  }

  private boolean admit(String sandboxId) {
    boolean[] admitted = {false};
    perSandbox.compute(sandboxId, (id, n) -> {
      int open = n == null ? 0 : n;
      if (open >= settings.maxConnectionsPerSandbox()) {
        return n;
      }
      admitted[0] = true;
      return open + 1;
    });
    return admitted[0];
  }

  private void leave(String sandboxId) {
    perSandbox.computeIfPresent(sandboxId, (id, n) -> n <= 1 ? null : n - 1);
  }

  /** Over a cap: answer at once, without reading, from the accept thread. */
  private void refuse(Socket client, Optional<String> sandbox, int status, String reason) {
    Instant started = Instant.now();
    try (client) {
      client.getOutputStream().write(Responses.error(status, reason));
    } catch (IOException e) {
      log.debug("answering {} to {} failed: {}", status, client.getRemoteSocketAddress(), e.toString());
    }
    emit(new EgressEvent(sandbox, Exchange.describe(client), "", "", 0, false,
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
