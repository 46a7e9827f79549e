package dev.warren.api;

import dev.warren.browser.BrowserIdleAction;
import dev.warren.browser.BrowserService;
import dev.warren.browser.BrowserSession;
import dev.warren.browser.BrowserSpec;
import dev.warren.browser.Profiles;
import dev.warren.error.WarrenException;
import dev.warren.net.EgressPolicy;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/** {@code /v1/browsers} and {@code /v1/profiles}. */
final class BrowserRoutes {
  static final Duration CDP_TOKEN_TTL = Duration.ofHours(1);

  private final BrowserService browsers;
  private final SignedTokens signed;
  private final LiveTokens live;
  private final dev.warren.browser.BrowserDownloads downloads;
  /** What an idle browser's timeout does when its create does not say ({@code WARREN_BROWSER_IDLE_ACTION}). */
  private final BrowserIdleAction defaultIdleAction;

  BrowserRoutes(BrowserService browsers, SignedTokens signed, LiveTokens live, String defaultIdleAction) {
    this.browsers = browsers;
    this.defaultIdleAction = BrowserIdleAction.parse(defaultIdleAction).orElseThrow();
    this.downloads = new dev.warren.browser.BrowserDownloads(browsers);
    this.signed = signed;
    this.live = live;
  }

  void register(RoutesConfig r) {
    r.post("/v1/browsers", this::create);
    r.get("/v1/browsers", ctx -> {
      ObjectNode out = Json.object();
      ArrayNode arr = out.putArray("browsers");
      browsers.list().forEach(b -> arr.add(json(ctx, b)));
      Json.send(ctx, 200, out);
    });
    r.delete("/v1/browsers", ctx -> {
      Optional<String> prefix = Optional.ofNullable(ctx.queryParam("keyPrefix")).filter(p -> !p.isEmpty());
      boolean all = "true".equals(ctx.queryParam("all"));
      // a caller's empty variable must not close everyone's sessions: closing all is asked for by name
      if (prefix.isEmpty() && !all) {
        throw WarrenException.invalid("keyPrefix", "keyPrefix is missing or empty; give the prefix of the keys to close "
            + "(e.g. agent-42:), or all=true to close every session");
      }
      if (prefix.isPresent() && all) {
        throw WarrenException.invalid("keyPrefix", "give keyPrefix or all=true, not both");
      }
      int n = browsers.closeAll(prefix, "deleted through the API");
      Json.send(ctx, 200, Json.object().put("closed", n));
    });
    r.get("/v1/browsers/{id}", ctx -> Json.send(ctx, 200, json(ctx, browsers.get(ctx.pathParam("id")))));
    r.delete("/v1/browsers/{id}", ctx -> {
      browsers.get(ctx.pathParam("id"));
      browsers.close(ctx.pathParam("id"), "deleted through the API");
      ctx.status(204);
    });
    r.post("/v1/browsers/{id}/keepalive", ctx -> {
      String id = ctx.pathParam("id");
      browsers.target(id);
      Json.send(ctx, 200, json(ctx, browsers.get(id)));
    });
    r.get("/v1/browsers/{id}/downloads", ctx -> {
      ObjectNode out = Json.object().put("directory", dev.warren.browser.Download.DIRECTORY);
      ArrayNode arr = out.putArray("downloads");
      for (dev.warren.browser.Download d : downloads.list(ctx.pathParam("id"))) {
        arr.addObject().put("name", d.name()).put("size", d.size()).put("url", d.url().orElse(null)).put("state", d.state())
            .put("startedAt", Json.time(d.startedAt()));
      }
      Json.send(ctx, 200, out);
    });
    r.get("/v1/browsers/{id}/downloads/{name}", ctx -> {
      var in = downloads.open(ctx.pathParam("id"), ctx.pathParam("name"));
      ctx.contentType("application/octet-stream").header("Content-Disposition", "attachment; filename*=UTF-8''"
          + java.net.URLEncoder.encode(ctx.pathParam("name"), java.nio.charset.StandardCharsets.UTF_8).replace("+", "%20")).result(in);
    });
    r.post("/v1/browsers/{id}/pause", ctx -> Json.send(ctx, 200, json(ctx, browsers.pause(ctx.pathParam("id"), "paused through the API"))));
    r.post("/v1/browsers/{id}/resume", ctx -> Json.send(ctx, 200, json(ctx, browsers.resume(ctx.pathParam("id"), "resumed through the API"))));
    r.post("/v1/browsers/{id}/restart", ctx -> Json.send(ctx, 200, json(ctx, browsers.restart(ctx.pathParam("id")))));
    r.get("/v1/profiles", ctx -> {
      ObjectNode out = Json.object();
      ArrayNode arr = out.putArray("profiles");
      browsers.profiles().list().forEach(p -> arr.add(profile(p)));
      Json.send(ctx, 200, out);
    });
    r.get("/v1/profiles/{name}", ctx -> Json.send(ctx, 200, profile(browsers.profiles().get(ctx.pathParam("name"))
        .orElseThrow(() -> new WarrenException(dev.warren.error.Problem.NOT_FOUND, "no profile " + ctx.pathParam("name"))))));
    r.get("/v1/profiles/{name}/export", ctx -> {
      ctx.contentType("application/x-tar").header("Content-Disposition", "attachment; filename=\"" + ctx.pathParam("name") + ".tar\"")
          .result(browsers.profiles().export(ctx.pathParam("name")));
    });
    r.delete("/v1/profiles/{name}", ctx -> {
      browsers.profiles().delete(ctx.pathParam("name"));
      ctx.status(204);
    });
  }

  /** {@code reach} beside {@code egress}: the sandboxes (and ports) the browser's pages may open, added to {@code egress.reach}. */
  private static EgressPolicy reach(EgressPolicy egress, Body b) {
    java.util.List<String> more = b.stringList("reach", 64).orElse(java.util.List.of());
    if (more.isEmpty()) {
      return egress;
    }
    java.util.List<String> all = new java.util.ArrayList<>(egress.reach());
    more.stream().filter(r -> !all.contains(r)).forEach(all::add);
    try {
      return egress.withReach(all);
    } catch (IllegalArgumentException e) {
      throw WarrenException.invalid("reach", e.getMessage());
    }
  }

  private void create(Context ctx) {
    Body b = Body.of(ctx, Set.of("key", "profile", "profileReadOnly", "egress", "viewport", "headless", "idleTimeoutSeconds",
        "maxLifetimeSeconds", "reach", "idleAction", "pausedTimeoutSeconds"));
    EgressPolicy asked = b.object("egress", Set.of("allow", "upstreamProxy", "reach")).map(SandboxRoutes::egress).orElse(EgressPolicy.DENY_ALL);
    EgressPolicy egress = reach(asked, b);
    Optional<Body> viewport = b.object("viewport", Set.of("width", "height"));
    int width = viewport.flatMap(v -> v.integer("width", 100, 7680)).map(Long::intValue).orElse(1280);
    int height = viewport.flatMap(v -> v.integer("height", 100, 4320)).map(Long::intValue).orElse(720);
    BrowserSpec spec = new BrowserSpec(b.string("key"), b.string("profile"), b.bool("profileReadOnly").orElse(false), egress, width, height,
        b.bool("headless").orElse(true),
        b.integer("idleTimeoutSeconds", 0, 604800).map(Duration::ofSeconds).orElse(BrowserSpec.DEFAULT_IDLE),
        b.integer("maxLifetimeSeconds", 0, 2592000).map(Duration::ofSeconds).orElse(Duration.ZERO),
        b.string("idleAction").map(a -> BrowserIdleAction.parse(a).orElseThrow(() -> WarrenException.invalid("idleAction",
            "idleAction must be \"close\" or \"pause\", got '" + Queries.shown(a) + "'"))).orElse(defaultIdleAction),
        b.integer("pausedTimeoutSeconds", 0, 2592000).map(Duration::ofSeconds).orElse(Duration.ZERO));
    BrowserService.Created c = browsers.create(spec, SandboxRoutes.idempotencyKey(ctx));
    ctx.header("Location", "/v1/browsers/" + c.session().id());
    Json.send(ctx, c.created() ? 201 : 200, json(ctx, c.session()));
  }

  ObjectNode json(Context ctx, BrowserSession s) {
    ObjectNode n = Json.object();
    n.put("id", s.id());
    n.put("key", s.key().orElse(null));
    n.put("state", s.state().wire());
    n.put("stateReason", s.stateReason().orElse(null));
    n.put("sandboxId", s.sandboxId().orElse(null));
    n.put("profile", s.spec().profile().orElse(null));
    n.put("profileReadOnly", s.spec().profileReadOnly());
    n.putObject("viewport").put("width", s.spec().width()).put("height", s.spec().height());
    n.put("headless", s.spec().headless());
    n.set("egress", SandboxJson.egress(s.spec().egress()));
    n.put("idleTimeoutSeconds", s.spec().idleTimeout().toSeconds());
    n.put("maxLifetimeSeconds", s.spec().maxLifetime().toSeconds());
    n.put("idleAction", s.spec().idleAction().wire());
    n.put("pausedTimeoutSeconds", s.spec().pausedTimeout().toSeconds());
    // ready and frozen: the next CDP connection, live view or call on it resumes it
    n.put("paused", s.state() == dev.warren.browser.BrowserState.READY && browsers.paused(s));
    n.put("generation", s.generation());
    n.put("createdAt", Json.time(s.createdAt()));
    n.put("startedAt", Json.time(s.startedAt()));
    n.put("closedAt", Json.time(s.closedAt()));
    n.put("lastActivityAt", Json.time(s.lastActivityAt()));
    if (s.state().live()) {
      String token = signed.issue("cdp", s.id(), CDP_TOKEN_TTL, LiveTokens.minter(ctx));
      n.put("cdpUrl", live.urls().ws(ctx) + "/v1/browsers/" + s.id() + "/cdp?token=" + token);
      n.put("cdpHttpUrl", live.urls().http(ctx) + "/v1/browsers/" + s.id());
      // the same root with the token, for clients that cannot send headers (Playwright's connectOverCDP(httpUrl) keeps the query)
      n.put("cdpDiscoveryUrl", live.urls().http(ctx) + "/v1/browsers/" + s.id() + "?token=" + token);
    } else {
      n.putNull("cdpUrl");
      n.putNull("cdpHttpUrl");
      n.putNull("cdpDiscoveryUrl");
    }
    if (s.state().live()) {
      // watch only; liveControlUrl also lets its holder take control (both expire in an hour)
      n.put("liveViewUrl", live.pageUrl(ctx, s.id(), false, LiveTokens.DEFAULT_TTL));
      n.put("liveControlUrl", live.pageUrl(ctx, s.id(), true, LiveTokens.DEFAULT_TTL));
    } else {
      n.putNull("liveViewUrl");
      n.putNull("liveControlUrl");
    }
    if (!s.spec().headless() && s.sandboxId().isPresent()) {
      n.set("desktop", SandboxJson.desktop(s.sandboxId().get(), new dev.warren.sandbox.Desktop(Math.clamp(s.spec().width(), 320, 3840),
          Math.clamp(s.spec().height(), 200, 2160))));
    } else {
      n.putNull("desktop");
    }
    return n;
  }

  static ObjectNode profile(Profiles.Profile p) {
    return Json.object().put("name", p.name()).put("sizeBytes", p.sizeBytes()).put("createdAt", Json.time(p.createdAt()))
        .put("updatedAt", Json.time(p.updatedAt())).put("inUseBy", p.writer().orElse(null));
  }
}
