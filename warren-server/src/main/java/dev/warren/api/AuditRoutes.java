package dev.warren.api;

import dev.warren.audit.Audit;
import dev.warren.audit.AuditEntry;
import dev.warren.error.WarrenException;
import io.javalin.config.RoutesConfig;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code GET /v1/audit?actor=&subject=&since=&limit=}: who did what, newest first, and
 * {@code /v1/tokens}: API tokens with ids and names, so the audit trail can tell callers apart.
 */
final class AuditRoutes {
  private final Audit audit;
  private final ApiTokens tokens;

  AuditRoutes(Audit audit, ApiTokens tokens) {
    this.audit = audit;
    this.tokens = tokens;
  }

  void register(RoutesConfig r) {
    r.get("/v1/audit", ctx -> {
      for (String q : ctx.queryParamMap().keySet()) {
        if (!java.util.Set.of("actor", "subject", "since", "limit", "token").contains(q)) {
          throw WarrenException.invalid(Queries.shown(q), "unknown query parameter " + Queries.shown(q) + " (known: actor, subject, since, limit)");
        }
      }
      Optional<String> actor = Queries.filter(ctx, "actor");
      Optional<String> subject = Queries.filter(ctx, "subject");
      Optional<Instant> since = Queries.since(ctx);
      int limit = Queries.limit(ctx, 100);
      ObjectNode out = Json.object();
      var arr = out.putArray("entries");
      for (AuditEntry e : audit.query(actor, subject, since, limit)) {
        arr.addObject().put("id", e.id()).put("at", Json.time(e.at())).put("actor", e.actor()).put("method", e.method())
            .put("route", e.route()).put("path", e.path()).put("subject", e.subject().orElse(null)).put("status", e.status())
            .put("durationMs", e.durationMs());
      }
      Json.send(ctx, 200, out);
    });
    r.post("/v1/tokens", ctx -> {
      requireAdmin(ctx.attribute(AccessLog.ACTOR));
      Body b = Body.of(ctx, java.util.Set.of("name"));
      String name = b.string("name").orElseThrow(() -> WarrenException.invalid("name", "name is required"));
      Map.Entry<ApiTokens.Info, String> made = tokens.create(name, ctx.attribute(AccessLog.ACTOR));
      ObjectNode n = json(made.getKey());
      n.put("token", made.getValue());
      Json.send(ctx, 201, n);
    });
    r.get("/v1/tokens", ctx -> {
      ObjectNode out = Json.object();
      var arr = out.putArray("tokens");
      tokens.list().forEach(i -> arr.add(json(i)));
      Json.send(ctx, 200, out);
    });
    r.delete("/v1/tokens/{id}", ctx -> {
      requireAdmin(ctx.attribute(AccessLog.ACTOR));
      tokens.revoke(ctx.pathParam("id"));
      ctx.status(204);
    });
  }

  private static void requireAdmin(ApiTokens.Actor actor) {
    if (actor == null || !actor.equals(ApiTokens.Actor.ADMIN)) {
      throw new WarrenException(dev.warren.error.Problem.FORBIDDEN, "only the admin token ($WARREN_DATA/token) makes and revokes tokens");
    }
  }

  private static ObjectNode json(ApiTokens.Info i) {
    ObjectNode n = Json.object();
    n.put("id", i.id()).put("name", i.name()).put("createdAt", Json.time(i.createdAt())).put("createdBy", i.createdBy())
        .put("revokedAt", Json.time(i.revokedAt()));
    return n;
  }
}
