package dev.warren.client;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What browser session to create: a reuse key, a profile to start from, egress, window and
 * lifetime. Every part is optional; the server fills in defaults (headless, 1280 × 720, no egress,
 * closed after 30 min idle, no age limit). Build one with {@link #builder()}; the record itself is
 * immutable. It checks only the shape of its values; the server checks the rest (key and profile
 * syntax, viewport range) and answers {@link InvalidInputException} naming the field.
 *
 * <pre>{@code
 * BrowserSpec.builder()
 *     .key("agent-42:run-7")                 // a live session with this key is answered again
 *     .profile("shop-login")                 // start from it; saved back when the session ends
 *     .allowEgress("shop.example.com:443")
 *     .reach("sbx_01jd6x0000000000000000000b:3000") // the agent's app, at http://sbx_…:3000/
 *     .viewport(1920, 1080)
 *     .idleTimeout(Duration.ofMinutes(10))
 *     .build()
 * }</pre>
 *
 * @param key caller-chosen name for reuse across steps: while a session with this key lives,
 *     creating again answers it instead of starting another
 * @param profile a named profile (cookies, local storage) to start from; made when new
 * @param profileReadOnly start from the profile without taking its write lock, and without
 *     saving it at the end; any number of read-only sessions may share one profile
 * @param viewport the window size; empty for the server's default
 * @param headless {@code false} runs a headed Chromium on a virtual display
 * @param idleTimeout close the session after this long without CDP traffic or actions; whole
 *     seconds, {@link Duration#ZERO} for never; empty for the server's default (30 min)
 * @param maxLifetime close the session this long after it started, however busy; whole seconds,
 *     {@link Duration#ZERO} for no limit (the default)
 * @param idleAction what {@code idleTimeout} does: close the session, or pause it (its sandbox
 *     frozen, pages and cookies kept; the next CDP connection resumes it); empty for the server's
 *     default ({@code WARREN_BROWSER_IDLE_ACTION}, close)
 * @param pausedTimeout close a paused session once it has stayed paused this long; whole seconds,
 *     {@link Duration#ZERO} (the default) for never
 */
public record BrowserSpec(
    Optional<String> key,
    Optional<String> profile,
    boolean profileReadOnly,
    EgressPolicy egress,
    Optional<Viewport> viewport,
    boolean headless,
    Optional<Duration> idleTimeout,
    Optional<Duration> maxLifetime,
    Optional<IdleAction> idleAction,
    Optional<Duration> pausedTimeout) {

  public BrowserSpec {
    Objects.requireNonNull(key, "key");
    key.ifPresent(k -> {
      if (k.isBlank()) throw new IllegalArgumentException("key must not be blank");
    });
    Objects.requireNonNull(profile, "profile");
    profile.ifPresent(p -> {
      if (p.isBlank()) throw new IllegalArgumentException("profile must not be blank");
    });
    if (profileReadOnly && profile.isEmpty()) {
      throw new IllegalArgumentException("profileReadOnly needs a profile to read");
    }
    Objects.requireNonNull(egress, "egress");
    Objects.requireNonNull(viewport, "viewport");
    Objects.requireNonNull(idleTimeout, "idleTimeout");
    idleTimeout.ifPresent(d -> wholeSeconds("idleTimeout", d));
    Objects.requireNonNull(maxLifetime, "maxLifetime");
    maxLifetime.ifPresent(d -> wholeSeconds("maxLifetime", d));
    Objects.requireNonNull(idleAction, "idleAction");
    Objects.requireNonNull(pausedTimeout, "pausedTimeout");
    pausedTimeout.ifPresent(d -> wholeSeconds("pausedTimeout", d));
  }

  /** A spec with every default: no key, no profile, no egress. */
  /** A spec without an idle action of its own (the record as it was before idle actions). */
  public BrowserSpec(Optional<String> key, Optional<String> profile, boolean profileReadOnly, EgressPolicy egress, Optional<Viewport> viewport,
      boolean headless, Optional<Duration> idleTimeout, Optional<Duration> maxLifetime) {
    this(key, profile, profileReadOnly, egress, viewport, headless, idleTimeout, maxLifetime, Optional.empty(), Optional.empty());
  }

  /** What the idle timeout does to a browser session (docs/api.md, "Idle browsers: close or pause"). */
  public enum IdleAction {
    /** The session is closed: its sandbox goes, its profile is saved (the server's default). */
    CLOSE,
    /** Its sandbox is frozen: Chromium keeps its pages, cookies and memory; the next CDP connection or call resumes it. */
    PAUSE;

    /** As the API spells it. */
    public String wire() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }

    static IdleAction fromWire(String s) {
      return s.equals("pause") ? PAUSE : CLOSE;
    }
  }

  public static BrowserSpec defaults() {
    return builder().build();
  }

  public static Builder builder() {
    return new Builder();
  }

  private static void wholeSeconds(String name, Duration d) {
    if (d.isNegative() || d.toNanosPart() != 0) {
      throw new IllegalArgumentException(name + " must be whole seconds, zero or more, got " + d);
    }
  }

  /** Collects a {@link BrowserSpec}; not thread-safe, use one per spec. */
  public static final class Builder {
    private String key;
    private String profile;
    private boolean profileReadOnly;
    private final List<String> allow = new ArrayList<>();
    private String upstreamProxy;
    private final List<String> reach = new ArrayList<>();
    private Viewport viewport;
    private boolean headless = true;
    private Duration idleTimeout;
    private Duration maxLifetime;
    private IdleAction idleAction;
    private Duration pausedTimeout;

    private Builder() {}

    /**
     * Names the session for reuse, e.g. {@code agent-42:run-7}: 1–255 letters, digits or
     * {@code ._:/@+=-}, starting with a letter or digit.
     */
    public Builder key(String key) {
      this.key = Objects.requireNonNull(key, "key");
      return this;
    }

    /** Starts from this named profile and saves it back when the session ends. */
    public Builder profile(String name) {
      this.profile = Objects.requireNonNull(name, "name");
      this.profileReadOnly = false;
      return this;
    }

    /** Starts from this named profile and leaves it as it was; no write lock is taken. */
    public Builder profileReadOnly(String name) {
      this.profile = Objects.requireNonNull(name, "name");
      this.profileReadOnly = true;
      return this;
    }

    /** Adds host patterns the browser may reach, e.g. {@code example.com:443} or {@code *.example.com}. */
    public Builder allowEgress(String... patterns) {
      for (String p : Objects.requireNonNull(patterns, "patterns")) allow.add(Objects.requireNonNull(p, "pattern"));
      return this;
    }

    /** Forward allowed traffic through this proxy; its credentials never enter the sandbox. */
    public Builder upstreamProxy(String url) {
      this.upstreamProxy = Objects.requireNonNull(url, "url");
      return this;
    }

    /**
     * Adds other sandboxes whose apps the browser's pages may open, {@code sbx_…:3000} (one port) or
     * {@code sbx_…} (every port), at {@code http://sbx_…:3000/} or the sandbox's address; see
     * {@link EgressPolicy}.
     */
    public Builder reach(String... sandboxes) {
      for (String r : Objects.requireNonNull(sandboxes, "sandboxes")) reach.add(Objects.requireNonNull(r, "sandbox"));
      return this;
    }

    public Builder viewport(int width, int height) {
      this.viewport = new Viewport(width, height);
      return this;
    }

    /** {@code false} runs a headed Chromium on a virtual display; PDFs need headless. */
    public Builder headless(boolean headless) {
      this.headless = headless;
      return this;
    }

    /** Whole seconds; {@link Duration#ZERO} keeps the session however long it is idle. */
    public Builder idleTimeout(Duration idleTimeout) {
      this.idleTimeout = Objects.requireNonNull(idleTimeout, "idleTimeout");
      return this;
    }

    /** Whole seconds; {@link Duration#ZERO} for no limit. */
    public Builder maxLifetime(Duration maxLifetime) {
      this.maxLifetime = Objects.requireNonNull(maxLifetime, "maxLifetime");
      return this;
    }

    /** What the idle timeout does: {@link IdleAction#PAUSE} freezes the session instead of closing it. */
    public Builder idleAction(IdleAction idleAction) {
      this.idleAction = Objects.requireNonNull(idleAction, "idleAction");
      return this;
    }

    /** Whole seconds; a session paused this long is closed. {@link Duration#ZERO} for never. */
    public Builder pausedTimeout(Duration pausedTimeout) {
      this.pausedTimeout = Objects.requireNonNull(pausedTimeout, "pausedTimeout");
      return this;
    }

    public BrowserSpec build() {
      return new BrowserSpec(Optional.ofNullable(key), Optional.ofNullable(profile), profileReadOnly,
          new EgressPolicy(allow, Optional.ofNullable(upstreamProxy), reach), Optional.ofNullable(viewport), headless,
          Optional.ofNullable(idleTimeout), Optional.ofNullable(maxLifetime), Optional.ofNullable(idleAction), Optional.ofNullable(pausedTimeout));
    }
  }
}
