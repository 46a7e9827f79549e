package dev.warren.api;

import dev.warren.error.WarrenException;
import dev.warren.snapshot.Snapshot;
import dev.warren.snapshot.SnapshotService;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import tools.jackson.databind.node.ObjectNode;

/** {@code /v1/snapshots} and a sandbox's {@code /snapshots} and {@code /fork}. */
final class SnapshotRoutes {
  private final SnapshotService snapshots;

  SnapshotRoutes(SnapshotService snapshots) {
    this.snapshots = snapshots;
  }

  void register(RoutesConfig r) {
    r.post("/v1/sandboxes/{id}/snapshots", ctx -> {
      Body b = Body.of(ctx, Set.of("name", "labels"));
      Snapshot s = snapshots.create(ctx.pathParam("id"), b.string("name"), b.stringMap("labels"));
      ctx.header("Location", "/v1/snapshots/" + s.id());
      Json.send(ctx, 201, of(s));
    });
    r.post("/v1/sandboxes/{id}/fork", ctx -> {
      Body b = Body.of(ctx, Set.of("count", "labels"));
      if (!b.has("count")) {
        throw WarrenException.invalid("count", "count (how many sandboxes, 1-" + SnapshotService.MAX_FORK + ") is required");
      }
      // out-of-range counts reach the service, which names the bounds
      int count = b.integer("count", Integer.MIN_VALUE, Integer.MAX_VALUE).orElseThrow().intValue();
      SnapshotService.Fork fork = snapshots.fork(ctx.pathParam("id"), count, b.stringMap("labels"));
      ObjectNode out = Json.object();
      out.set("snapshot", of(fork.snapshot()));
      var arr = out.putArray("sandboxes");
      fork.sandboxes().forEach(s -> arr.add(SandboxJson.of(s)));
      Json.send(ctx, 201, out);
    });
    r.get("/v1/snapshots", ctx -> {
      Map<String, String> labels = new LinkedHashMap<>();
      for (String l : ctx.queryParams("label")) {
        int eq = l.indexOf('=');
        if (eq <= 0) {
          throw WarrenException.invalid("label", "label filters are name=value, got '" + Queries.shown(l) + "'");
        }
        labels.put(l.substring(0, eq), l.substring(eq + 1));
      }
      ObjectNode out = Json.object();
      var arr = out.putArray("snapshots");
      snapshots.list(labels).forEach(s -> arr.add(of(s)));
      Json.send(ctx, 200, out);
    });
    r.get("/v1/snapshots/{id}", ctx -> Json.send(ctx, 200, of(snapshots.get(ctx.pathParam("id")))));
    r.delete("/v1/snapshots/{id}", ctx -> {
      snapshots.delete(ctx.pathParam("id"));
      ctx.status(204);
    });
  }

  /** The snapshot body of the API (docs/api.md). */
  static ObjectNode of(Snapshot s) {
    ObjectNode n = Json.object();
    n.put("id", s.id());
    n.put("name", s.name().orElse(null));
    n.put("origin", s.origin());
    n.put("sandboxId", s.sandboxId());
    n.put("image", s.image());
    n.put("imageDigest", s.imageDigest());
    n.put("parentSnapshot", s.parentId().orElse(null));
    n.put("depth", s.depth());
    n.put("maxDepth", SnapshotService.MAX_DEPTH);
    n.put("flattened", s.flattened());
    // an image layer is named after the snapshot it was captured for; a tree layer by its content
    n.put("layer", s.layer().map(l -> l.endsWith(".img") ? l.substring(0, l.length() - ".img".length()) : "sha256:" + l).orElse(null));
    n.put("sizeBytes", s.sizeBytes());
    n.put("memory", false);
    ObjectNode labels = n.putObject("labels");
    s.labels().forEach(labels::put);
    n.put("createdAt", Json.time(s.createdAt()));
    return n;
  }
}
