package dev.warren.web;

import dev.warren.error.Problem;
import dev.warren.error.WarrenException;
import dev.warren.events.Events;
import dev.warren.http.PublicUrls;
import dev.warren.http.Site;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.HttpStatus;
import java.net.URI;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * The dashboard, served by the controller at {@code /}: a login page that trades the API token for
 * a session cookie, the single-page app and its files under {@code /ui/}, and the gate in front of
 * every request. The page calls {@code /v1} with its cookie plus the {@code X-Warren-CSRF} header
 * (whose value only the page knows), and opens WebSockets with its cookie from its own origin.
 * Thread-safe.
 */
public final class Dashboard implements Site {
  /** Header that must carry the session's CSRF value on every /v1 call made with the cookie. */
  public static final String CSRF_HEADER = "X-Warren-CSRF";
  /** Where minted preview URLs are served (see {@code dev.warren.api.PreviewRoutes}). */
  private static final String PREVIEWS = "/v1/previews/";
  /** How long a dashboard login lasts. */
  public static final Duration SESSION_TTL = Duration.ofHours(12);
  private static final Duration REFUSED_EVENT_EVERY = Duration.ofMinutes(1);
  private static final Set<String> PUBLIC = Set.of("/login", "/ui/warren.css", "/healthz", "/readyz", "/metrics", "/json/protocol");

  /** Request attribute: the id of the API token whose dashboard session admitted the request. */
  public static final String LOGIN_TOKEN = "warren.dashboard.token";

  private final WebSessions sessions;
  private final Function<String, Optional<String>> apiToken;
  private final Events events;
  private final Assets assets = new Assets();
  private final AtomicLong refusedSince = new AtomicLong();
  private final AtomicLong lastRefusedEvent = new AtomicLong(System.nanoTime() - REFUSED_EVENT_EVERY.toNanos());

  /**
   * @param apiToken the id of the API token a presented string is (constant-time), empty when it is none
   */
  public Dashboard(WebSessions sessions, Function<String, Optional<String>> apiToken, Events events) {
    this.sessions = Objects.requireNonNull(sessions, "sessions");
    this.apiToken = Objects.requireNonNull(apiToken, "apiToken");
    this.events = Objects.requireNonNull(events, "events");
  }

  @Override
  public void register(RoutesConfig r) {
    r.get("/login", ctx -> loginPage(ctx, 200, ""));
    r.post("/login", this::login);
    r.post("/logout", this::logout);
    r.get("/", ctx -> {
      WebSessions.Session s = session(ctx).orElseThrow(LoginRequired::new);
      page(ctx, 200, assets.text("index.html").replace("{{csrf}}", s.csrf()));
    });
    r.get("/ui/<path>", ctx -> Assets.send(ctx, assets.find("static/" + ctx.pathParam("path"))
        .orElseThrow(() -> new WarrenException(Problem.NOT_FOUND, "no dashboard file " + ctx.path()))));
  }

  /**
   * The gate in front of every HTTP request. Answers true when the dashboard's session admits the
   * request, false when the API's bearer-token check must decide (a /v1 call without the cookie,
   * or one that carries a token); throws 401 for a dashboard page or file without a session and
   * for a /v1 call whose cookie is stale, and 403 for a /v1 call with a live session cookie whose
   * CSRF header is missing or wrong (the caller is known; the request is not the page's).
   */
  @Override
  public boolean admits(Context ctx) {
    String path = ctx.path();
    if (path.startsWith(PREVIEWS)) {
      // a minted preview URL is its own credential (and a "token" one wants the API's): the
      // session cookie a logged-in browser sends along neither opens nor refuses it
      return false;
    }
    if (path.startsWith("/v1/") || path.equals("/v1")) {
      if (upgrade(ctx)) {
        return admitsUpgrade(ctx);
      }
      if (ctx.header("Authorization") != null || ctx.queryParam("token") != null) {
        return false;
      }
      String cookie = ctx.cookie(cookieName(ctx));
      if (cookie == null) {
        return false;
      }
      WebSessions.Session s = sessions.find(cookie).orElseThrow(() -> new WarrenException(Problem.UNAUTHORIZED,
          "the dashboard session has expired or was logged out; log in again at /login"));
      if (!WebSessions.csrfMatches(s, ctx.header(CSRF_HEADER))) {
        throw new WarrenException(Problem.FORBIDDEN, "a call with the dashboard's session cookie needs the page's " + CSRF_HEADER + " header");
      }
      ctx.attribute(LOGIN_TOKEN, s.token());
      return true;
    }
    if (PUBLIC.contains(path) || path.startsWith("/live/") || path.equals(dev.warren.mcp.McpEndpoint.PATH)) {
      // MCP is the API's: a bearer token, never the dashboard's cookie
      // live-view pages check their own signed token
      return false;
    }
    if (session(ctx).isPresent() || bearer(ctx).flatMap(apiToken).isPresent()) {
      return true;
    }
    throw new LoginRequired();
  }

  /**
   * The gate for WebSocket upgrades under /v1 (terminal, live view, VNC): a browser cannot add a
   * header there, so the cookie counts only when the request comes from the dashboard's own origin
   * (403 otherwise; 401 for a stale cookie). False when the API's token check must decide.
   */
  @Override
  public boolean admitsUpgrade(Context ctx) {
    if (ctx.header("Authorization") != null || ctx.queryParam("token") != null) {
      return false;
    }
    String cookie = ctx.cookie(cookieName(ctx));
    if (cookie == null) {
      return false;
    }
    WebSessions.Session s = sessions.find(cookie).orElseThrow(() -> new WarrenException(Problem.UNAUTHORIZED,
        "the dashboard session has expired or was logged out; log in again at /login"));
    if (!sameOrigin(ctx.header("Origin"), ctx.header("Host"))) {
      throw new WarrenException(Problem.FORBIDDEN, "a WebSocket opened with the dashboard's session cookie must come from the dashboard's origin");
    }
    ctx.attribute(LOGIN_TOKEN, s.token());
    return true;
  }

  @Override
  public Optional<String> loginToken(Context ctx) {
    return Optional.ofNullable(ctx.attribute(LOGIN_TOKEN));
  }

  /** A {@link LoginRequired} asked for by a browser is answered with a page linking to /login. */
  @Override
  public boolean answered(Exception e, Context ctx) {
    return e instanceof LoginRequired && loginRequiredPage(ctx);
  }

  /**
   * Answers a {@link LoginRequired} for a browser (Accept: text/html) with a small page linking to
   * /login; returns false for other clients, which get the problem body.
   */
  public boolean loginRequiredPage(Context ctx) {
    if (!Optional.ofNullable(ctx.header("Accept")).orElse("").contains("text/html")) {
      return false;
    }
    page(ctx, 401, assets.text("login-required.html"));
    return true;
  }

  private void login(Context ctx) {
    String token = ctx.formParam("token");
    Optional<String> tokenId = token == null ? Optional.empty() : apiToken.apply(token.strip());
    if (tokenId.isEmpty()) {
      refused(ctx.ip());
      loginPage(ctx, 401, token == null || token.isBlank() ? "Enter the API token." : "That is not the API token.");
      return;
    }
    WebSessions.Issued issued = sessions.create(tokenId.get());
    events.record("dashboard.login", null, "from " + ctx.ip());
    ctx.header("Set-Cookie", cookieName(ctx) + "=" + issued.cookieValue() + "; Path=/; HttpOnly; SameSite=Strict; Max-Age="
        + sessions.ttl().toSeconds() + (secure(ctx) ? "; Secure" : ""));
    ctx.header("Cache-Control", "no-store");
    ctx.redirect("/", HttpStatus.SEE_OTHER);
  }

  /** Records refused logins as one event a minute at most: a flood of wrong tokens cannot fill the event log. */
  private void refused(String ip) {
    refusedSince.incrementAndGet();
    long now = System.nanoTime();
    long last = lastRefusedEvent.get();
    if (now - last >= REFUSED_EVENT_EVERY.toNanos() && lastRefusedEvent.compareAndSet(last, now)) {
      long n = refusedSince.getAndSet(0);
      events.record("dashboard.login-refused", null, n == 1 ? "from " + ip : n + " refused logins since the last report, the latest from " + ip);
    }
  }

  private void logout(Context ctx) {
    String cookie = ctx.cookie(cookieName(ctx));
    Optional<WebSessions.Session> s = sessions.find(cookie);
    if (s.isPresent() && !WebSessions.csrfMatches(s.get(), ctx.formParam("csrf"))) {
      throw new WarrenException(Problem.FORBIDDEN, "logging out needs the page's csrf field");
    }
    sessions.remove(cookie);
    events.record("dashboard.logout", null, "from " + ctx.ip());
    ctx.header("Set-Cookie", cookieName(ctx) + "=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0" + (secure(ctx) ? "; Secure" : ""));
    ctx.redirect("/login", HttpStatus.SEE_OTHER);
  }

  private void loginPage(Context ctx, int status, String error) {
    page(ctx, status, assets.text("login.html").replace("{{error}}", Html.escape(error)));
  }

  private static void page(Context ctx, int status, String html) {
    String host = Optional.ofNullable(ctx.header("Host")).filter(h -> h.matches("[A-Za-z0-9.:\\[\\]-]+")).orElse("");
    ctx.header("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        + "img-src 'self' data: blob:; connect-src 'self'" + (host.isEmpty() ? "" : " ws://" + host + " wss://" + host)
        + "; frame-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'");
    ctx.header("X-Content-Type-Options", "nosniff");
    ctx.header("Referrer-Policy", "no-referrer");
    ctx.header("Cache-Control", "no-store");
    ctx.status(status).contentType("text/html; charset=utf-8").result(html);
  }

  private Optional<WebSessions.Session> session(Context ctx) {
    return sessions.find(ctx.cookie(cookieName(ctx)));
  }

  /** One cookie per listening port: two controllers on one host keep separate logins. */
  static String cookieName(Context ctx) {
    return "warren_session_" + ctx.req().getLocalPort();
  }

  private static Optional<String> bearer(Context ctx) {
    String a = ctx.header("Authorization");
    return a != null && a.regionMatches(true, 0, "Bearer ", 0, 7) ? Optional.of(a.substring(7).strip()) : Optional.empty();
  }

  private static boolean upgrade(Context ctx) {
    return "websocket".equalsIgnoreCase(ctx.header("Upgrade"));
  }

  private static boolean secure(Context ctx) {
    return PublicUrls.secure(ctx);
  }

  static boolean sameOrigin(String origin, String host) {
    if (origin == null || host == null) {
      return false;
    }
    try {
      URI o = new URI(origin);
      return o.getRawAuthority() != null && o.getRawAuthority().equalsIgnoreCase(host)
          && ("http".equals(o.getScheme()) || "https".equals(o.getScheme()));
    } catch (java.net.URISyntaxException e) {
      return false;
    }
  }
}
