package dev.warren.api;

import dev.warren.stream.Viewer;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * The signed tokens of live views, each bound to one target: {@code live} (watch a browser
 * session), {@code live-control} (watch, take control, send input, hand back a handoff) and
 * {@code vnc} (a desktop sandbox's VNC). None of them opens CDP, which takes a {@code cdp} token.
 * The API token can do everything.
 */
final class LiveTokens {
  static final String VIEW = "live";
  static final String CONTROL = "live-control";
  static final String VNC = "vnc";
  static final Duration DEFAULT_TTL = Duration.ofHours(1);
  static final long MAX_TTL_SECONDS = 86_400;

  private final ApiTokens tokens;
  private final SignedTokens signed;
  private final PublicUrls urls;

  /** What a token allows on one target: a scope, or why not (expired, or not valid). */
  record Access(Optional<Viewer.Scope> scope, String problem) {
    static Access granted(Viewer.Scope s) {
      return new Access(Optional.of(s), "");
    }

    static Access denied(String why) {
      return new Access(Optional.empty(), why);
    }
  }

  LiveTokens(ApiTokens tokens, SignedTokens signed, PublicUrls urls) {
    this.tokens = tokens;
    this.signed = signed;
    this.urls = urls;
  }

  /** The page URL of a browser session's live view. */
  String pageUrl(io.javalin.http.Context ctx, String browserId, boolean control, Duration ttl) {
    return urls.http(ctx) + "/live/browsers/" + browserId + "?token=" + signed.issue(control ? CONTROL : VIEW, browserId, ttl);
  }

  PublicUrls urls() {
    return urls;
  }

  static Instant expiry(Duration ttl) {
    return Instant.ofEpochSecond(Instant.now().plus(ttl).getEpochSecond());
  }

  /** What {@code token} allows on the live view of {@code browserId}. */
  Access browser(String browserId, String token) {
    if (token == null || token.isEmpty()) {
      return Access.denied("no token: open the live view URL from the browser session (liveViewUrl) or pass ?token=");
    }
    if (tokens.authenticate(token).isPresent()) {
      return Access.granted(Viewer.Scope.CONTROL);
    }
    SignedTokens.Verdict control = signed.verify(token, CONTROL, browserId);
    if (control == SignedTokens.Verdict.VALID) {
      return Access.granted(Viewer.Scope.CONTROL);
    }
    SignedTokens.Verdict view = signed.verify(token, VIEW, browserId);
    if (view == SignedTokens.Verdict.VALID) {
      return Access.granted(Viewer.Scope.VIEW);
    }
    if (control == SignedTokens.Verdict.EXPIRED || view == SignedTokens.Verdict.EXPIRED) {
      return Access.denied("the token has expired; get a new live view URL (POST /v1/browsers/" + browserId + "/live-view-url)");
    }
    return Access.denied("the token is not valid for the live view of " + browserId);
  }

  /** Whether {@code token} lets its holder watch the desktop of {@code sandboxId}. */
  Access vnc(String sandboxId, String token) {
    if (token == null || token.isEmpty()) {
      return Access.denied("no token: pass the API token or a signed one from POST /v1/sandboxes/" + sandboxId + "/vnc-url as ?token=");
    }
    if (tokens.authenticate(token).isPresent()) {
      return Access.granted(Viewer.Scope.CONTROL);
    }
    return switch (signed.verify(token, VNC, sandboxId)) {
      case VALID -> Access.granted(Viewer.Scope.CONTROL);
      case EXPIRED -> Access.denied("the token has expired; get a new one (POST /v1/sandboxes/" + sandboxId + "/vnc-url)");
      case INVALID -> Access.denied("the token is not valid for the desktop of " + sandboxId);
    };
  }

  String issueVnc(String sandboxId, Duration ttl) {
    return signed.issue(VNC, sandboxId, ttl);
  }

  /** A bearer token from the Authorization header, else the {@code token} query parameter. */
  static String presented(String authorization, String query) {
    return authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7) ? authorization.substring(7).strip() : query;
  }
}
