package dev.warren.net;

import dev.warren.net.EgressProxy.Client;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client connection: read the request, identify the sandbox, check its policy, connect (directly
 * or through its upstream proxy), answer, relay, and report one {@link EgressEvent}. Runs on its own
 * virtual thread; not thread-safe.
 *
 * <p>An event is {@code allowed} when traffic was relayed (the tunnel was established or the
 * request forwarded) and the proxy did not have to cut it; otherwise its {@code reason} says why:
 * the policy or the {@link EgressGuard} refused, the destination could not be reached, the request
 * body's framing broke part-way, or the answer carried the upstream credentials. Byte counts are what the proxy relayed: for {@code CONNECT} the
 * tunnelled bytes, for plain HTTP the request as forwarded (rewritten head and body) and the answer.
 */
final class Exchange {

  private static final Logger log = LoggerFactory.getLogger(Exchange.class);
  private static final String UNKNOWN_SOURCE = "unknown source address";
  private static final Duration DRAIN_TIME = Duration.ofSeconds(1);
  private static final int DRAIN_LIMIT = 64 * 1024;

  private final HttpEgressProxy proxy;
  private final Socket client;
  private final Instant startedAt = Instant.now();
  private final long startNanos = System.nanoTime();
  private Optional<String> sandboxId = Optional.empty();
  private String method = "";
  private Target target = new Target("", 0);
  private boolean allowed;
  private boolean viaUpstream;
  private long bytesOut;
  private long bytesIn;
  private Socket destination;

  Exchange(HttpEgressProxy proxy, Socket client) {
    this.proxy = proxy;
    this.client = client;
  }

  /**
   * Serves the connection to its end. A refusal with an answer is emitted at once (draining the
   * client afterwards may take a second); anything else is answered, for the proxy to emit once
   * everything the connection held (its slot among the sandbox's share, the client socket) is
   * given back, so that whoever sees the event can open the next connection at once.
   */
  Optional<EgressEvent> run() {
    Optional<Refusal> refusal = Optional.empty();
    try {
      serve();
    } catch (Refusal r) {
      refusal = Optional.of(r);
    } catch (IOException e) {
      if (!allowed) {
        refusal = Optional.of(Refusal.silent("client connection failed: " + e.getMessage()));
      }
    } catch (RuntimeException e) {
      log.warn("egress connection from {} failed", describe(client), e);
      String reason = "internal error in Warren's egress proxy";
      refusal = Optional.of(allowed ? Refusal.silent(reason) : new Refusal(500, reason));
    } finally {
      if (destination != null) {
        proxy.release(destination);
      }
    }
    refusal.ifPresent(this::answer);
    EgressEvent ended = new EgressEvent(sandboxId, describe(client), method, target.host(), target.port(),
        allowed && refusal.isEmpty(), refusal.map(Refusal::reason), viaUpstream, bytesOut, bytesIn,
        startedAt, Duration.ofNanos(System.nanoTime() - startNanos));
    if (refusal.isPresent() && refusal.get().status() != 0) {
      proxy.emit(ended);
      drain();
      return Optional.empty();
    }
    return Optional.of(ended);
  }

  private void serve() throws Refusal, IOException {
    Optional<Client> who = lookup();
    sandboxId = who.map(Client::sandboxId);
    HttpEgressProxy.Settings settings = proxy.settings;
    Optional<HeadReader.Result> read;
    try {
      read = HeadReader.read(client, settings.headTimeout(), settings.headLimitBytes());
    } catch (Refusal r) {
      throw who.isPresent() ? r : new Refusal(403, UNKNOWN_SOURCE);
    }
    if (read.isEmpty()) {
      throw Refusal.silent("client closed the connection before sending a request");
    }
    List<String> requestLine = read.get().head().startLineParts();
    if (HttpHead.isToken(requestLine.getFirst()) && requestLine.getFirst().length() <= 32) {
      method = requestLine.getFirst();
    }
    ProxyRequest request;
    try {
      request = ProxyRequest.parse(read.get().head());
    } catch (Refusal r) {
      throw who.isPresent() ? r : new Refusal(403, UNKNOWN_SOURCE);
    }
    target = request.target();
    Client sandbox = who.orElseThrow(() -> new Refusal(403, UNKNOWN_SOURCE));
    EgressPolicy policy = sandbox.policy();
    Optional<EgressProxy.Reach> reach = reach(sandbox);
    Optional<UpstreamProxy> upstream = Optional.empty();
    byte[] toClient;
    if (reach.isPresent()) {
      // another sandbox the policy's reach names: straight there, never through an upstream proxy
      destination = proxy.destinations.connect(proxy, new InetAddress[] {reach.get().address()}, target.port(), target.toString());
      toClient = new byte[0];
    } else {
      AllowList.Grant grant = AllowList.parse(policy.allow()).grant(target);
      if (grant == AllowList.Grant.NONE) {
        throw new Refusal(403, "egress not allowed by policy: " + target);
      }
      boolean publicOnly = grant == AllowList.Grant.PUBLIC;
      upstream = policy.upstreamProxy().map(UpstreamProxy::parse);
      toClient = upstream.isPresent() ? viaUpstream(upstream.get(), request, publicOnly) : direct(publicOnly);
    }
    byte[] toDestination = read.get().leftover();
    SecretFilter.Secret secret = SecretFilter.Secret.of(upstream);
    Relay.Plan plan;
    if (request.isConnect()) {
      client.getOutputStream().write(Responses.CONNECTION_ESTABLISHED);
      plan = new Relay.Plan(toDestination, Relay.RAW, toClient, secret.guard(Relay.RAW), false);
    } else {
      byte[] head = request.forwardHead(upstream);
      try {
        destination.getOutputStream().write(head);
      } catch (IOException e) {
        throw new Refusal(502, "sending the request to " + target + " failed: " + e.getMessage());
      }
      bytesOut = head.length;
      plan = HttpForward.plan(request, toDestination, toClient, secret);
    }
    allowed = true;
    Relay.Counts counts = Relay.run(client, destination, plan, settings.idleTimeout(), proxy.threads);
    bytesOut += counts.out();
    bytesIn = counts.in();
    if (counts.failure().isPresent()) {
      allowed = false;
      throw Refusal.silent(counts.failure().get());
    }
  }

  /** Where the target is when it names another of Warren's sandboxes that {@code from} may open; a 403 when it may not. */
  private Optional<EgressProxy.Reach> reach(Client from) throws Refusal {
    Optional<EgressProxy.Reach> r;
    try {
      r = proxy.clients.reach(from, target.host(), target.port());
    } catch (RuntimeException e) {
      log.warn("looking up the sandbox {} names failed", target, e);
      throw new Refusal(500, "cannot look up " + target.host());
    }
    if (r.isPresent() && r.get().refused().isPresent()) {
      throw new Refusal(403, r.get().refused().get());
    }
    return r;
  }

  private Optional<Client> lookup() throws Refusal {
    InetAddress source = client.getInetAddress();
    try {
      return proxy.clients.lookup(source);
    } catch (RuntimeException e) {
      log.warn("looking up the sandbox at {} failed", source.getHostAddress(), e);
      throw new Refusal(500, "cannot identify the source address");
    }
  }

  /** Resolves the target once, checks every address, connects to exactly those. */
  private byte[] direct(boolean publicOnly) throws Refusal {
    Destinations destinations = proxy.destinations;
    InetAddress[] addresses = destinations.resolve(target.host());
    destinations.check(target.host(), addresses, target.port(), publicOnly);
    destination = destinations.connect(proxy, addresses, target.port(), target.toString());
    return new byte[0];
  }

  /**
   * Connects to the upstream proxy; for CONNECT also asks it for the tunnel. The upstream resolves
   * names itself; an IP-literal target is checked here all the same, and so is the upstream.
   */
  private byte[] viaUpstream(UpstreamProxy upstream, ProxyRequest request, boolean publicOnly) throws Refusal {
    viaUpstream = true;
    Destinations destinations = proxy.destinations;
    Optional<InetAddress> literal = Target.ipLiteral(target.host());
    if (literal.isPresent()) {
      destinations.check(target.host(), new InetAddress[] {literal.get()}, target.port(), publicOnly);
    }
    InetAddress[] addresses;
    try {
      addresses = destinations.resolve(upstream.address().host());
    } catch (Refusal r) {
      throw new Refusal(502, "cannot resolve upstream proxy host " + upstream.address().host());
    }
    int port = upstream.address().port();
    try {
      destinations.check(upstream.address().host(), addresses, port, false);
    } catch (Refusal r) {
      throw new Refusal(403, "upstream proxy refused: " + r.reason());
    }
    destination = destinations.connect(proxy, addresses, port, "upstream proxy " + upstream);
    return request.isConnect() ? openTunnel(upstream) : new byte[0];
  }

  private byte[] openTunnel(UpstreamProxy upstream) throws Refusal {
    String connect = "CONNECT " + target + " HTTP/1.1\r\nHost: " + target + "\r\n"
        + upstream.authorization().map(a -> "Proxy-Authorization: " + a + "\r\n").orElse("")
        + "\r\n";
    HttpEgressProxy.Settings settings = proxy.settings;
    Optional<HeadReader.Result> answer;
    try {
      destination.getOutputStream().write(connect.getBytes(StandardCharsets.ISO_8859_1));
      answer = HeadReader.read(destination, settings.headTimeout(), settings.headLimitBytes());
    } catch (IOException | Refusal e) {
      throw new Refusal(502, "upstream proxy " + upstream + " gave no valid answer");
    }
    if (answer.isEmpty()) {
      throw new Refusal(502, "upstream proxy " + upstream + " closed the connection");
    }
    List<String> status = answer.get().head().startLineParts();
    if (status.size() < 2 || !status.get(0).startsWith("HTTP/1.") || !status.get(1).matches("\\d{3}")) {
      throw new Refusal(502, "upstream proxy " + upstream + " gave no valid answer");
    }
    if (!status.get(1).startsWith("2")) {
      throw new Refusal(502, "upstream proxy answered " + status.get(1));
    }
    return answer.get().leftover();
  }

  private void answer(Refusal refusal) {
    if (refusal.status() == 0 || client.isClosed()) {
      return;
    }
    try {
      client.getOutputStream().write(Responses.error(refusal.status(), refusal.reason()));
    } catch (IOException e) {
      log.debug("answering {} to {} failed: {}", refusal.status(), describe(client), e.toString());
    }
  }

  /**
   * Reads what the client still sends (bounded in time and size) before the caller closes, so
   * unread input does not turn the close into a reset that could destroy the answer in flight.
   */
  private void drain() {
    try {
      client.shutdownOutput();
      long deadline = System.nanoTime() + DRAIN_TIME.toNanos();
      InputStream in = client.getInputStream();
      byte[] buf = new byte[8192];
      int total = 0;
      while (total < DRAIN_LIMIT) {
        long remaining = (deadline - System.nanoTime()) / 1_000_000;
        if (remaining <= 0) {
          return;
        }
        client.setSoTimeout((int) remaining);
        int n = in.read(buf);
        if (n < 0) {
          return;
        }
        total += n;
      }
    } catch (SocketTimeoutException e) {
      log.debug("{} kept its connection open after the answer", describe(client));
    } catch (IOException e) {
      log.debug("draining {} failed: {}", describe(client), e.toString());
    }
  }

  static String describe(Socket socket) {
    if (!(socket.getRemoteSocketAddress() instanceof InetSocketAddress remote)) {
      return "";
    }
    String host = remote.getAddress().getHostAddress();
    return (host.contains(":") ? "[" + host + "]" : host) + ":" + remote.getPort();
  }
}
