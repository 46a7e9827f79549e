package dev.warren.api;

import dev.warren.error.Problem;
import dev.warren.error.WarrenException;
import dev.warren.http.Site;
import io.javalin.http.Context;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Who is calling: the dashboard's session (its gate runs first), the API token, a signed token
 * bound to one browser's CDP endpoints, or a live view's control token for its handoffs. Stateless
 * over thread-safe parts; called on every request thread.
 */
final class Callers {
  /**
   * Routes that need no token: liveness, readiness, metrics, and Chromium's protocol descriptor (public
   * data, fetched by CDP clients at the root of a debugger URL's host); the dashboard's login page, see {@link Site}.
   */
  static final Set<String> PUBLIC = Set.of("/healthz", "/readyz", "/metrics", CdpDiscovery.PROTOCOL);

  /**
   * The actor of calls made through a dashboard login session: {@code dashboard} in the audit
   * trail, answered for by the API token that logged in (a page admitted by a bearer token mints nothing).
   */
  private static ApiTokens.Actor dashboardActor(Site site, Context ctx) {
    return new ApiTokens.Actor("dashboard", "dashboard session", site.loginToken(ctx).orElse("dashboard"));
  }

  private static final Pattern BROWSER_PATH =
      Pattern.compile("^/v1/browsers/(brw_[0-9a-z]{26})/(cdp|devtools/.+|json(/.*)?)$");
  /** WebSockets that check their token themselves, to refuse with a close code and a reason. */
  private static final Pattern SELF_CHECKED =
      Pattern.compile("^/v1/(browsers/brw_[0-9a-z]{26}/live|sandboxes/sbx_[0-9a-z]{26}/vnc)$");
  /** Preview doors that decide themselves: a minted URL's secret may open them without an API token (see PreviewRoutes). */
  private static final Pattern PREVIEW_PATH = Pattern.compile("^/v1/(previews|preview-hosts)/[^/]+(/.*)?$");
  /** What a live page with a control token may do besides its WebSocket: look at and hand back a handoff. */
  private static final Pattern HANDOFF_PATH =
      Pattern.compile("^/v1/browsers/(brw_[0-9a-z]{26})/handoffs/hnd_[0-9a-z]{26}(/complete)?$");

  private final ApiTokens tokens;
  private final SignedTokens signed;
  private final Site dashboard;

  Callers(ApiTokens tokens, SignedTokens signed, Site dashboard) {
    this.tokens = Objects.requireNonNull(tokens, "tokens");
    this.signed = Objects.requireNonNull(signed, "signed");
    this.dashboard = Objects.requireNonNull(dashboard, "dashboard");
  }

  /** The caller of an HTTP request, null for a public or self-checked route; throws 401/403 to refuse it. */
  ApiTokens.Actor of(Context ctx) {
    return dashboard.admits(ctx) ? dashboardActor(dashboard, ctx)
        : authorize(tokens, signed, ctx.path(), ctx.header("Authorization"), ctx.queryParam("token"));
  }

  /** The caller of a WebSocket upgrade, as {@link #of}. */
  ApiTokens.Actor ofUpgrade(Context ctx) {
    return dashboard.admitsUpgrade(ctx) ? dashboardActor(dashboard, ctx)
        : authorize(tokens, signed, ctx.path(), ctx.header("Authorization"), ctx.queryParam("token"));
  }

  /**
   * Every /v1 call needs the API token (Authorization: Bearer, or ?token= for clients that cannot
   * send headers); a browser's CDP and DevTools endpoints also take a signed {@code cdp} token bound
   * to that browser, and a handoff of it a {@code live-control} token. The live-view and VNC
   * WebSockets check their tokens themselves. Paths outside /v1 are the dashboard's, whose gate runs
   * first and refuses everything but its public pages (login, health, readiness, metrics); what
   * reaches here of them is public. Returns who is calling (for the rate limit and the audit
   * trail), null for a public or self-checked route.
   */
  private static ApiTokens.Actor authorize(ApiTokens tokens, SignedTokens signed, String path, String authorization, String queryToken) {
    if (PUBLIC.contains(path) || !(path.startsWith("/v1/") || path.equals("/v1") || path.equals(dev.warren.mcp.McpEndpoint.PATH))) {
      return null;
    }
    String token = authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7)
        ? authorization.substring(7).strip() : queryToken;
    Optional<ApiTokens.Actor> actor = tokens.authenticate(token);
    if (actor.isPresent()) {
      return actor.get();
    }
    if (SELF_CHECKED.matcher(path).matches() || PREVIEW_PATH.matcher(path).matches()) {
      return null;
    }
    java.util.regex.Matcher m = BROWSER_PATH.matcher(path);
    if (token != null && token.startsWith("wst.") && m.matches()) {
      SignedTokens.Verdict v = signed.verify(token, "cdp", m.group(1));
      if (v == SignedTokens.Verdict.VALID) {
        return new ApiTokens.Actor("cdp:" + m.group(1), "signed token for " + m.group(1), SignedTokens.minter(token).orElseThrow());
      }
      throw new WarrenException(Problem.FORBIDDEN, v == SignedTokens.Verdict.REVOKED ? LiveTokens.REVOKED
          : "the token is not valid for browser session " + m.group(1) + " (wrong session or expired)");
    }
    java.util.regex.Matcher h = HANDOFF_PATH.matcher(path);
    if (token != null && h.matches()) {
      SignedTokens.Verdict v = signed.verify(token, LiveTokens.CONTROL, h.group(1));
      if (v == SignedTokens.Verdict.VALID) {
        return new ApiTokens.Actor("live-control:" + h.group(1), "live view control token for " + h.group(1),
            SignedTokens.minter(token).orElseThrow());
      }
      if (v == SignedTokens.Verdict.REVOKED) {
        throw new WarrenException(Problem.FORBIDDEN, LiveTokens.REVOKED);
      }
      throw new WarrenException(Problem.FORBIDDEN, "the token is not valid for the handoffs of browser session " + h.group(1)
          + " (a live view token that grants control is needed, and it may have expired)");
    }
    throw new WarrenException(Problem.UNAUTHORIZED, token == null
        ? "missing Authorization: Bearer <token> header (the token is in $WARREN_DATA/token)"
        : "the token is not valid");
  }
}
