package dev.warren.api;

import dev.warren.http.PublicUrls;
import dev.warren.browser.BrowserService;
import dev.warren.error.Problem;
import dev.warren.error.WarrenException;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Chromium's DevTools HTTP endpoints of a browser session ({@code /json/version}, {@code /json/list},
 * {@code /json/new}, {@code /json/protocol}, {@code /json/activate|close/{target}}), answered as
 * Chromium answers them with every {@code webSocketDebuggerUrl} rewritten to Warren's CDP proxy and
 * a signed token of that session, so unmodified CDP clients find their way. Served under
 * {@code /v1/browsers/{id}} and on the session's loopback root ({@link DevtoolsRoots}). Stateless.
 */
final class CdpDiscovery {
  /** The DevTools paths passed through; a target id is Chromium's (hex) or Warren's own id pattern. */
  private static final Pattern PATH = Pattern.compile("^/json(/version|/list|/protocol|/new|/(activate|close)/([A-Za-z0-9_-]{1,64}))?/?$");

  /** Chromium's protocol descriptor at the root, where chrome-remote-interface fetches it from a debugger URL's host. */
  static final String PROTOCOL = "/json/protocol";

  private final BrowserService browsers;
  private final SignedTokens signed;
  private final PublicUrls urls;
  /** The descriptor of the browser image's Chromium, read once from a ready session. */
  private volatile byte[] protocol;

  CdpDiscovery(BrowserService browsers, SignedTokens signed, PublicUrls urls) {
    this.browsers = browsers;
    this.signed = signed;
    this.urls = urls;
  }

  /** An answer ready to send: status, content type and body. */
  record Reply(int status, String contentType, byte[] body) {}

  void register(RoutesConfig r) {
    r.get(PROTOCOL, ctx -> ctx.contentType("application/json").result(protocol()));
    for (String p : new String[] {"/json", "/json/", "/json/{what}", "/json/{what}/", "/json/{what}/{target}"}) {
      r.get("/v1/browsers/{id}" + p, ctx -> send(ctx, answer(ctx.pathParam("id"), "GET", tail(ctx), ctx.queryString(), wsBase(ctx), LiveTokens.minter(ctx))));
      // Chromium takes /json/new with PUT only (GET is refused as unsafe); both reach it, and it answers
      r.put("/v1/browsers/{id}" + p, ctx -> send(ctx, answer(ctx.pathParam("id"), "PUT", tail(ctx), ctx.queryString(), wsBase(ctx), LiveTokens.minter(ctx))));
    }
  }

  /**
   * The protocol descriptor (the same for every session: one image, one Chromium), public like
   * Chromium's own: it holds no session data. 503 until a session is ready to be asked.
   */
  private byte[] protocol() {
    byte[] p = protocol;
    if (p == null) {
      // a running one: asking a paused one would resume it for nothing of its own
      String ready = browsers.list().stream().filter(b -> b.state() == dev.warren.browser.BrowserState.READY && !browsers.paused(b))
          .map(b -> b.id()).findFirst()
          .orElseThrow(() -> new WarrenException(Problem.UNAVAILABLE, "no browser session is ready to read the DevTools protocol from; "
              + "create one (POST /v1/browsers), or ask /v1/browsers/{id}/json/protocol"));
      BrowserService.DevtoolsReply r = browsers.devtools(ready, "GET", PROTOCOL);
      if (r.status() != 200) {
        throw new WarrenException(Problem.UNAVAILABLE, "Chromium of " + ready + " answered " + PROTOCOL + " with HTTP " + r.status());
      }
      protocol = p = r.body();
    }
    return p;
  }

  private static String tail(Context ctx) {
    String path = ctx.path();
    return path.substring(path.indexOf("/json"));
  }

  private String wsBase(Context ctx) {
    return urls.ws(ctx);
  }

  static void send(Context ctx, Reply r) {
    ctx.status(r.status()).contentType(r.contentType()).result(r.body());
  }

  /**
   * Passes one DevTools HTTP call to the session's Chromium and rewrites its debugger URLs to
   * {@code wsBase/v1/browsers/{id}/…?token=…}, tokens that die with {@code minter}. {@code query} is the raw query
   * ({@code /json/new}'s URL).
   */
  boolean active(String minter) {
    return signed.active(minter);
  }

  Reply answer(String id, String method, String path, String query, String wsBase, String minter) {
    Matcher m = PATH.matcher(path);
    if (!m.matches()) {
      throw new WarrenException(Problem.NOT_FOUND, "no DevTools endpoint " + path + "; there are /json/version, /json/list, /json/new, "
          + "/json/protocol, /json/activate/{targetId} and /json/close/{targetId}");
    }
    String what = m.group(1) == null ? "/list" : m.group(1);
    String upstream = "/json" + what;
    if (what.equals("/new") && query != null && !query.isEmpty()) {
      // the whole query is the URL to open (Chromium reads it raw): re-encoded, so nothing else rides along
      upstream += "?" + URLEncoder.encode(URLDecoder.decode(query.replaceFirst("^url=", ""), StandardCharsets.UTF_8), StandardCharsets.UTF_8);
    }
    BrowserService.DevtoolsReply r = browsers.devtools(id, method, upstream);
    if (r.status() != 200 || what.equals("/protocol") || m.group(2) != null) {
      return new Reply(r.status(), r.status() == 200 && what.equals("/protocol") ? "application/json" : "text/plain; charset=utf-8", r.body());
    }
    JsonNode j = Json.MAPPER.readTree(r.body());
    String token = signed.issue("cdp", id, BrowserRoutes.CDP_TOKEN_TTL, minter);
    String base = wsBase + "/v1/browsers/" + id;
    if (what.equals("/version")) {
      ((ObjectNode) j).put("webSocketDebuggerUrl", base + "/cdp?token=" + token);
    } else {
      for (JsonNode t : j.isArray() ? j : Json.MAPPER.createArrayNode().add(j)) {
        ObjectNode o = (ObjectNode) t;
        o.put("webSocketDebuggerUrl", base + "/devtools/" + o.path("type").asString("page") + "/" + o.path("id").asString() + "?token=" + token);
        o.remove("devtoolsFrontendUrl");
        o.remove("devtoolsFrontendUrlCompat");
      }
    }
    return new Reply(200, "application/json", Json.MAPPER.writeValueAsBytes(j));
  }
}
