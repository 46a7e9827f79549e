package dev.warren.net;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * A request a client sent to the proxy: {@code CONNECT host:port} or a plain HTTP request with an
 * absolute-form {@code http://} target. {@code authority} is the target's {@code host[:port]} as
 * sent, {@code pathAndQuery} the origin-form target (empty for CONNECT), {@code body} how the
 * request's body is framed (none for CONNECT).
 */
record ProxyRequest(
    String method, Target target, String authority, String pathAndQuery, String version,
    HttpHead head, RequestBody body) {

  static final String NOT_A_PROXY_REQUEST = "this is Warren's egress proxy; set HTTP_PROXY";

  /** Hop-by-hop fields (RFC 9110 section 7.6.1) and the proxy's own, never forwarded as sent. */
  private static final Set<String> HOP_BY_HOP = Set.of(
      "connection", "proxy-connection", "keep-alive", "te", "trailer", "upgrade",
      "proxy-authorization", "proxy-authenticate", "host");

  /** Fields that frame the body: the proxy writes its own from {@link #body}. */
  private static final Set<String> FRAMING = Set.of("content-length", "transfer-encoding");

  /** Methods that echo the request back, credentials the proxy adds included (cross-site tracing). */
  private static final Set<String> ECHOING = Set.of("TRACE", "TRACK");

  boolean isConnect() {
    return method.equals("CONNECT");
  }

  /**
   * @throws Refusal 400 for anything but a well-formed CONNECT or absolute-form http:// request
   *     with unambiguous framing, 405 for TRACE and TRACK
   */
  static ProxyRequest parse(HttpHead head) throws Refusal {
    List<String> parts = head.startLineParts();
    if (parts.size() != 3 || !HttpHead.isToken(parts.get(0)) || parts.get(1).isEmpty()) {
      throw new Refusal(400, "malformed request line");
    }
    String method = parts.get(0);
    String uri = parts.get(1);
    String version = parts.get(2);
    if (!version.equals("HTTP/1.1") && !version.equals("HTTP/1.0")) {
      throw new Refusal(400, "unsupported HTTP version; use HTTP/1.1");
    }
    if (ECHOING.contains(method.toUpperCase(Locale.ROOT))) {
      throw new Refusal(405, method + " is refused by Warren's egress proxy: it would echo the request back");
    }
    RequestBody body = RequestBody.of(head, version);
    if (method.equals("CONNECT")) {
      if (!body.isEmpty()) {
        throw new Refusal(400, "a CONNECT request has no body");
      }
      return new ProxyRequest(method, parseAuthority(uri, 0, "CONNECT target"), uri, "", version, head, body);
    }
    String lower = uri.toLowerCase(Locale.ROOT);
    if (lower.startsWith("https://")) {
      throw new Refusal(400, "send https:// requests through CONNECT; this proxy does not do TLS");
    }
    if (!lower.startsWith("http://")) {
      throw new Refusal(400, NOT_A_PROXY_REQUEST);
    }
    String rest = uri.substring("http://".length());
    int slash = indexOfAny(rest, "/?#");
    String authority = slash < 0 ? rest : rest.substring(0, slash);
    String path = slash < 0 ? "" : rest.substring(slash);
    int hash = path.indexOf('#');
    path = hash < 0 ? path : path.substring(0, hash);
    if (path.isEmpty() || path.startsWith("?")) {
      path = "/" + path;
    }
    if (authority.contains("@")) {
      throw new Refusal(400, "user-info in the request URL is not supported");
    }
    return new ProxyRequest(
        method, parseAuthority(authority, 80, "request URL"), authority, path, version, head, body);
  }

  private static Target parseAuthority(String authority, int defaultPort, String what)
      throws Refusal {
    try {
      return Target.parse(authority, defaultPort);
    } catch (IllegalArgumentException e) {
      throw new Refusal(400, "malformed " + what + ": " + e.getMessage());
    }
  }

  private static int indexOfAny(String s, String chars) {
    for (int i = 0; i < s.length(); i++) {
      if (chars.indexOf(s.charAt(i)) >= 0) {
        return i;
      }
    }
    return -1;
  }

  /** True when the client asks to switch protocols (e.g. WebSocket): the relay then stays open. */
  boolean wantsUpgrade() {
    return head.tokens("Connection").contains("upgrade") && head.first("Upgrade").isPresent();
  }

  /**
   * The head to send on: origin-form to an origin, absolute-form to an upstream proxy (with its
   * credentials); {@code Host} from the URL; hop-by-hop fields and the client's own
   * Proxy-Authorization dropped; the body's framing as the proxy sends it; {@code Connection:
   * close} unless upgrading.
   */
  byte[] forwardHead(Optional<UpstreamProxy> upstream) {
    List<String> listed = head.tokens("Connection");
    boolean upgrade = wantsUpgrade();
    StringBuilder out = new StringBuilder(1024);
    String requestTarget = upstream.isPresent() ? "http://" + authority + pathAndQuery : pathAndQuery;
    out.append(method).append(' ').append(requestTarget).append(' ').append(version).append("\r\n");
    out.append("Host: ").append(authority).append("\r\n");
    for (HttpHead.Header h : head.headers()) {
      String name = h.name().toLowerCase(Locale.ROOT);
      boolean keepUpgrade = upgrade && name.equals("upgrade");
      if (!keepUpgrade && (HOP_BY_HOP.contains(name) || FRAMING.contains(name) || listed.contains(name))) {
        continue;
      }
      out.append(h.name()).append(": ").append(h.value()).append("\r\n");
    }
    out.append(body.header());
    out.append(upgrade ? "Connection: Upgrade\r\n" : "Connection: close\r\n");
    upstream.flatMap(UpstreamProxy::authorization)
        .ifPresent(a -> out.append("Proxy-Authorization: ").append(a).append("\r\n"));
    out.append("\r\n");
    return out.toString().getBytes(StandardCharsets.ISO_8859_1);
  }
}
