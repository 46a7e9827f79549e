package dev.warren.api;

import dev.warren.http.PublicUrls;
import dev.warren.stream.Viewer;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * The signed tokens of live views, each bound to one target: {@code live} (watch a browser
 * session), {@code live-control} (watch, take control, send input, hand back a handoff) and
 * {@code vnc} (a desktop sandbox's VNC). None of them opens CDP, which takes a {@code cdp} token.
 * The API token can do everything. Each is answered for by the API token that asked for it, and
 * stops working when that token is revoked; {@link Access#minter} says which token that is, so
 * that a connection opened with it can be closed then.
 */
final class LiveTokens {
  static final String VIEW = "live";
  static final String CONTROL = "live-control";
  static final String VNC = "vnc";
  static final Duration DEFAULT_TTL = Duration.ofHours(1);
  static final long MAX_TTL_SECONDS = 86_400;
  static final String REVOKED = "the API token that made this link has been revoked; ask for a new link";

  private final ApiTokens tokens;
  private final SignedTokens signed;
  private final PublicUrls urls;

  /** What a token allows on one target: a scope and the token answering for it, or why not (expired, revoked, not valid). */
  record Access(Optional<Viewer.Scope> scope, String minter, String problem) {
    static Access granted(Viewer.Scope s, String minter) {
      return new Access(Optional.of(s), minter, "");
    }

    static Access denied(String why) {
      return new Access(Optional.empty(), "", why);
    }
  }

  /** The token that answers for what the caller of {@code ctx} mints (see {@link ApiTokens.Actor#minter}). */
  static String minter(io.javalin.http.Context ctx) {
    ApiTokens.Actor a = ctx.attribute(AccessLog.ACTOR);
    if (a == null) {
      throw new IllegalStateException("no caller on " + ctx.path() + ": signed tokens are minted by authenticated calls only");
    }
    return a.minter();
  }

  LiveTokens(ApiTokens tokens, SignedTokens signed, PublicUrls urls) {
    this.tokens = tokens;
    this.signed = signed;
    this.urls = urls;
  }

  /** The page URL of a browser session's live view. */
  String pageUrl(io.javalin.http.Context ctx, String browserId, boolean control, Duration ttl) {
    return urls.http(ctx) + "/live/browsers/" + browserId + "?token=" + signed.issue(control ? CONTROL : VIEW, browserId, ttl, minter(ctx));
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
    Optional<ApiTokens.Actor> caller = tokens.authenticate(token);
    if (caller.isPresent()) {
      return Access.granted(Viewer.Scope.CONTROL, caller.get().minter());
    }
    String minter = SignedTokens.minter(token).orElse("");
    SignedTokens.Verdict control = signed.verify(token, CONTROL, browserId);
    if (control == SignedTokens.Verdict.VALID) {
      return Access.granted(Viewer.Scope.CONTROL, minter);
    }
    SignedTokens.Verdict view = signed.verify(token, VIEW, browserId);
    if (view == SignedTokens.Verdict.VALID) {
      return Access.granted(Viewer.Scope.VIEW, minter);
    }
    if (control == SignedTokens.Verdict.REVOKED || view == SignedTokens.Verdict.REVOKED) {
      return Access.denied(REVOKED);
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
    Optional<ApiTokens.Actor> caller = tokens.authenticate(token);
    if (caller.isPresent()) {
      return Access.granted(Viewer.Scope.CONTROL, caller.get().minter());
    }
    return switch (signed.verify(token, VNC, sandboxId)) {
      case VALID -> Access.granted(Viewer.Scope.CONTROL, SignedTokens.minter(token).orElseThrow());
      case REVOKED -> Access.denied(REVOKED);
      case EXPIRED -> Access.denied("the token has expired; get a new one (POST /v1/sandboxes/" + sandboxId + "/vnc-url)");
      case INVALID -> Access.denied("the token is not valid for the desktop of " + sandboxId);
    };
  }

  String issueVnc(io.javalin.http.Context ctx, String sandboxId, Duration ttl) {
    return signed.issue(VNC, sandboxId, ttl, minter(ctx));
  }

  /** A bearer token from the Authorization header, else the {@code token} query parameter. */
  static String presented(String authorization, String query) {
    return authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7) ? authorization.substring(7).strip() : query;
  }
}
