package dev.warren.api;

import dev.warren.events.Events;
import dev.warren.net.EgressLog;
import dev.warren.sandbox.SandboxService;
import io.javalin.config.RoutesConfig;
import tools.jackson.databind.node.ObjectNode;

/**
 * What happened, newest first: {@code GET /v1/events?subject=&limit=} (the controller's events:
 * sandboxes created, died, browsers crashed ...) and {@code GET /v1/sandboxes/{id}/egress?limit=}
 * (every connection a sandbox asked the egress proxy for, allowed or refused, with the reason).
 */
final class EventRoutes {
  private final SandboxService sandboxes;
  private final EgressLog egressLog;
  private final Events events;

  EventRoutes(SandboxService sandboxes, EgressLog egressLog, Events events) {
    this.sandboxes = sandboxes;
    this.egressLog = egressLog;
    this.events = events;
  }

  void register(RoutesConfig r) {
    r.get("/v1/sandboxes/{id}/egress", ctx -> {
      String id = sandboxes.get(ctx.pathParam("id")).id();
      int limit = Queries.limit(ctx, 100);
      ObjectNode out = Json.object();
      var arr = out.putArray("events");
      for (var e : egressLog.forSandbox(id, limit)) {
        arr.addObject().put("host", e.host()).put("port", e.port()).put("method", e.method()).put("allowed", e.allowed())
            .put("reason", e.reason().orElse(null)).put("viaUpstream", e.viaUpstream()).put("bytesOut", e.bytesOut())
            .put("bytesIn", e.bytesIn()).put("startedAt", Json.time(e.startedAt())).put("durationMs", e.duration().toMillis());
      }
      Json.send(ctx, 200, out);
    });
    r.get("/v1/events", ctx -> {
      int limit = Queries.limit(ctx, 100);
      ObjectNode out = Json.object();
      var arr = out.putArray("events");
      for (var e : events.list(Queries.filter(ctx, "subject"), limit)) {
        arr.addObject().put("id", e.id()).put("at", Json.time(e.at())).put("kind", e.kind()).put("subject", e.subject().orElse(null))
            .put("detail", e.detail());
      }
      Json.send(ctx, 200, out);
    });
  }
}
