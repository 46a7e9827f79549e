package dev.warren.api;

import dev.warren.error.WarrenException;
import dev.warren.stream.Handoff;
import dev.warren.stream.Handoffs;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Human takeover: {@code POST /v1/browsers/{id}/handoffs} (an agent asks), {@code GET …/{hid}?waitSeconds=}
 * (the agent waits), {@code POST …/{hid}/complete} (the human hands back; the live page may call it
 * with its control token), {@code POST …/{hid}/cancel}, and {@code GET /v1/handoffs?state=} for
 * the dashboard.
 */
final class HandoffRoutes {
  static final long MAX_WAIT_SECONDS = 600;

  private final Handoffs handoffs;
  private final LiveTokens tokens;

  HandoffRoutes(Handoffs handoffs, LiveTokens tokens) {
    this.handoffs = handoffs;
    this.tokens = tokens;
  }

  void register(RoutesConfig r) {
    r.post("/v1/browsers/{id}/handoffs", ctx -> {
      Body b = Body.of(ctx, Set.of("reason"));
      String reason = b.string("reason").orElseThrow(() -> WarrenException.invalid("reason", "reason is required: say what the human should do"));
      Handoffs.Requested req = handoffs.request(ctx.pathParam("id"), reason);
      ctx.header("Location", "/v1/browsers/" + ctx.pathParam("id") + "/handoffs/" + req.handoff().id());
      Json.send(ctx, req.created() ? 201 : 200, json(ctx, req.handoff()));
    });
    r.get("/v1/browsers/{id}/handoffs", ctx -> list(ctx, Optional.of(ctx.pathParam("id"))));
    r.get("/v1/browsers/{id}/handoffs/{hid}", ctx -> {
      double wait = Optional.ofNullable(ctx.queryParam("waitSeconds")).map(w -> seconds(w)).orElse(0.0);
      Handoff h = handoffs.await(ctx.pathParam("id"), ctx.pathParam("hid"), Duration.ofMillis(Math.round(wait * 1000)));
      Json.send(ctx, 200, json(ctx, h));
    });
    r.post("/v1/browsers/{id}/handoffs/{hid}/complete", ctx -> {
      Body.of(ctx, Set.of());
      Json.send(ctx, 200, json(ctx, handoffs.complete(ctx.pathParam("id"), ctx.pathParam("hid"))));
    });
    r.post("/v1/browsers/{id}/handoffs/{hid}/cancel", ctx -> {
      Body b = Body.of(ctx, Set.of("reason"));
      Json.send(ctx, 200, json(ctx, handoffs.cancel(ctx.pathParam("id"), ctx.pathParam("hid"), b.string("reason").orElse("cancelled by the agent"))));
    });
    r.get("/v1/handoffs", ctx -> list(ctx, Optional.empty()));
  }

  private void list(Context ctx, Optional<String> browserId) {
    Optional<String> state = Optional.ofNullable(ctx.queryParam("state")).filter(s -> !s.isEmpty());
    state.ifPresent(s -> {
      if (!s.equals("open") && Handoff.State.parse(s).isEmpty()) {
        throw WarrenException.invalid("state", "state must be waiting, in-progress, done, cancelled or open; got '" + s + "'");
      }
    });
    int limit = Optional.ofNullable(ctx.queryParam("limit")).map(l -> (int) seconds(l, "limit", 1, 1000)).orElse(100);
    ObjectNode out = Json.object();
    ArrayNode arr = out.putArray("handoffs");
    handoffs.list(state, browserId, limit).forEach(h -> arr.add(json(ctx, h)));
    Json.send(ctx, 200, out);
  }

  private static double seconds(String v) {
    return seconds(v, "waitSeconds", 0, MAX_WAIT_SECONDS);
  }

  private static double seconds(String v, String field, double min, double max) {
    try {
      double d = Double.parseDouble(v);
      if (!(d >= min && d <= max)) {
        throw WarrenException.invalid(field, field + " must be between " + (long) min + " and " + (long) max + ", got " + v);
      }
      return d;
    } catch (NumberFormatException e) {
      throw WarrenException.invalid(field, field + " must be a number, got '" + v + "'");
    }
  }

  ObjectNode json(Context ctx, Handoff h) {
    ObjectNode n = Json.object().put("id", h.id()).put("browserId", h.browserId()).put("state", h.state().wire()).put("reason", h.reason())
        .put("takenBy", h.takenBy().orElse(null)).put("profileSaved", h.profileSaved()).put("detail", h.detail().orElse(null))
        .put("createdAt", Json.time(h.createdAt())).put("updatedAt", Json.time(h.updatedAt()))
        .put("endedAt", Json.time(h.endedAt()));
    n.put("liveViewUrl", h.state().open() ? tokens.pageUrl(ctx, h.browserId(), true, LiveTokens.DEFAULT_TTL) : null);
    return n;
  }
}
