package dev.warren.api;

import dev.warren.volume.Volume;
import dev.warren.volume.VolumeService;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.util.Set;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/** {@code /v1/volumes}: create, list, get, delete. */
final class VolumeRoutes {
  private final VolumeService volumes;

  VolumeRoutes(VolumeService volumes) {
    this.volumes = volumes;
  }

  void register(RoutesConfig r) {
    r.post("/v1/volumes", this::create);
    r.get("/v1/volumes", ctx -> {
      ObjectNode body = Json.object();
      ArrayNode list = body.putArray("volumes");
      volumes.list().forEach(v -> list.add(json(v)));
      Json.send(ctx, 200, body);
    });
    r.get("/v1/volumes/{name}", ctx -> Json.send(ctx, 200, json(volumes.get(ctx.pathParam("name")))));
    r.delete("/v1/volumes/{name}", ctx -> {
      volumes.delete(ctx.pathParam("name"));
      ctx.status(204);
    });
  }

  private void create(Context ctx) {
    Body b = Body.of(ctx, Set.of("name", "sizeMb"));
    String name = b.string("name").orElseThrow(() -> dev.warren.error.WarrenException.invalid("name", "name is required"));
    int sizeMb = b.integer("sizeMb", Volume.MIN_SIZE_MB, Volume.MAX_SIZE_MB).map(Long::intValue)
        .orElseThrow(() -> dev.warren.error.WarrenException.invalid("sizeMb", "sizeMb is required"));
    Volume v = volumes.create(name, sizeMb);
    ctx.header("Location", "/v1/volumes/" + v.name());
    Json.send(ctx, 201, json(v));
  }

  static ObjectNode json(Volume v) {
    ObjectNode n = Json.object();
    n.put("name", v.name());
    n.put("sizeMb", v.sizeMb());
    v.usedBytes().ifPresentOrElse(u -> n.put("usedBytes", u), () -> n.putNull("usedBytes"));
    n.put("createdAt", v.createdAt().toString());
    ArrayNode by = n.putArray("mountedBy");
    v.mountedBy().forEach(h -> by.addObject().put("sandboxId", h.sandboxId()).put("path", h.path()).put("readOnly", h.readOnly()));
    v.missing().ifPresentOrElse(m -> n.put("problem", m), () -> n.putNull("problem"));
    return n;
  }
}
