package dev.warren.client;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * A snapshot of a browser session as the server reported it. Immutable; re-read with
 * {@link Browser#refresh()}.
 *
 * @param key the caller's key, e.g. {@code agent-42:run-7}, when the session was created with one
 * @param stateReason why the session is closed or crashed, e.g. {@code idle for 1800 s}
 * @param sandboxId the sandbox Chromium runs in, once it has one
 * @param profile the named profile the session started from
 * @param profileReadOnly whether the profile is left as it was when the session ends
 * @param egress the policy, with any upstream proxy password shown as {@code ***}
 * @param idleTimeout empty when the session is never closed for being idle
 * @param maxLifetime empty when the session has no age limit
 * @param generation bumped each time Chromium is restarted in place
 * @param cdpUrl while the session is live: its CDP WebSocket URL with a token signed, when this
 *     snapshot was taken, for one hour; {@link Browser#cdpUrl()} asks for a freshly signed one
 * @param cdpHttpUrl while the session is live: the HTTP root of its DevTools endpoints
 *     ({@code /json/version}); they take the API token
 * @param liveViewUrl a page that shows the browser live (watch only), with a token signed for one
 *     hour; it can be opened or embedded (iframe) without the API token
 * @param liveControlUrl the same page with a token that may also take control (mouse, keyboard),
 *     e.g. for a person logging in for the agent
 * @param idleAction what its idle timeout does: close it, or pause it
 * @param pausedTimeout empty when a paused session is never closed for it
 * @param paused whether it is ready and frozen now: the next CDP connection (or a connected
 *     client's next message), live view or call on it resumes it
 */
public record BrowserInfo(
    String id,
    Optional<String> key,
    BrowserState state,
    Optional<String> stateReason,
    Optional<String> sandboxId,
    Optional<String> profile,
    boolean profileReadOnly,
    Viewport viewport,
    boolean headless,
    EgressPolicy egress,
    Optional<Duration> idleTimeout,
    Optional<Duration> maxLifetime,
    long generation,
    Instant createdAt,
    Optional<Instant> startedAt,
    Optional<Instant> closedAt,
    Instant lastActivityAt,
    Optional<String> cdpUrl,
    Optional<String> cdpHttpUrl,
    Optional<String> liveViewUrl,
    Optional<String> liveControlUrl,
    BrowserSpec.IdleAction idleAction,
    Optional<Duration> pausedTimeout,
    boolean paused) {

  public BrowserInfo {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(state, "state");
    Objects.requireNonNull(stateReason, "stateReason");
    Objects.requireNonNull(sandboxId, "sandboxId");
    Objects.requireNonNull(profile, "profile");
    Objects.requireNonNull(viewport, "viewport");
    Objects.requireNonNull(egress, "egress");
    Objects.requireNonNull(idleTimeout, "idleTimeout");
    Objects.requireNonNull(maxLifetime, "maxLifetime");
    Objects.requireNonNull(createdAt, "createdAt");
    Objects.requireNonNull(idleAction, "idleAction");
    Objects.requireNonNull(pausedTimeout, "pausedTimeout");
    Objects.requireNonNull(startedAt, "startedAt");
    Objects.requireNonNull(closedAt, "closedAt");
    Objects.requireNonNull(lastActivityAt, "lastActivityAt");
    Objects.requireNonNull(cdpUrl, "cdpUrl");
    Objects.requireNonNull(cdpHttpUrl, "cdpHttpUrl");
    Objects.requireNonNull(liveViewUrl, "liveViewUrl");
    Objects.requireNonNull(liveControlUrl, "liveControlUrl");
  }

  /** A session that closes when idle and is not paused (the record as it was before idle actions). */
  public BrowserInfo(String id, Optional<String> key, BrowserState state, Optional<String> stateReason, Optional<String> sandboxId,
      Optional<String> profile, boolean profileReadOnly, Viewport viewport, boolean headless, EgressPolicy egress,
      Optional<Duration> idleTimeout, Optional<Duration> maxLifetime, long generation, Instant createdAt, Optional<Instant> startedAt,
      Optional<Instant> closedAt, Instant lastActivityAt, Optional<String> cdpUrl, Optional<String> cdpHttpUrl,
      Optional<String> liveViewUrl, Optional<String> liveControlUrl) {
    this(id, key, state, stateReason, sandboxId, profile, profileReadOnly, viewport, headless, egress, idleTimeout, maxLifetime, generation,
        createdAt, startedAt, closedAt, lastActivityAt, cdpUrl, cdpHttpUrl, liveViewUrl, liveControlUrl, BrowserSpec.IdleAction.CLOSE,
        Optional.empty(), false);
  }

  /** Whether the session takes CDP connections and actions ({@link BrowserState#READY}). */
  public boolean isReady() {
    return state == BrowserState.READY;
  }

  @Override
  public String toString() {
    // the CDP URL carries a bearer token for this session: keep it out of logs
    return "BrowserInfo[id=" + id + ", key=" + key.orElse(null) + ", state=" + state.wireName()
        + stateReason.map(r -> " (" + r + ")").orElse("") + ", sandboxId=" + sandboxId.orElse(null)
        + ", profile=" + profile.orElse(null) + (profileReadOnly ? " read-only" : "") + ", generation=" + generation + "]";
  }
}
