package dev.warren.cli;

import dev.warren.client.BrowserInfo;
import dev.warren.client.SandboxInfo;
import java.time.Instant;
import java.util.Optional;
import java.util.stream.Collectors;
import tools.jackson.databind.node.ObjectNode;

/** What the CLI prints of the SDK's records with {@code --output json}: the API's own names. */
final class SandboxJson {
  private SandboxJson() {}

  static ObjectNode of(SandboxInfo s) {
    ObjectNode n = ApiConnection.JSON.createObjectNode().put("id", s.id()).put("state", s.state().wireName())
        .put("stateReason", s.stateReason().orElse(null)).put("image", s.image()).put("generation", s.generation())
        .put("address", s.address().orElse(null)).put("createdAt", s.createdAt().toString());
    ObjectNode labels = n.putObject("labels");
    s.labels().forEach(labels::put);
    ObjectNode limits = n.putObject("limits");
    s.limits().memoryMb().ifPresent(v -> limits.put("memoryMb", v));
    s.limits().pids().ifPresent(v -> limits.put("pids", v));
    s.limits().cpus().ifPresent(v -> limits.put("cpus", v));
    var volumes = n.putArray("volumes");
    s.volumes().forEach(v -> volumes.addObject().put("name", v.name()).put("path", v.path()).put("readOnly", v.readOnly()));
    s.runtime().ifPresent(r -> n.put("runtime", r));
    s.accel().ifPresent(a -> n.put("accel", a));
    if (s.pooled()) {
      // only a create's answer says so (as the API does)
      n.put("pooled", true);
    }
    return n;
  }

  static ObjectNode of(dev.warren.client.VolumeInfo v) {
    ObjectNode n = ApiConnection.JSON.createObjectNode().put("name", v.name()).put("sizeMb", v.sizeMb())
        .put("usedBytes", v.usedBytes().orElse(null)).put("createdAt", v.createdAt().toString());
    var holders = n.putArray("mountedBy");
    v.mountedBy().forEach(h -> holders.addObject().put("sandboxId", h.sandboxId()).put("path", h.path()).put("readOnly", h.readOnly()));
    n.put("problem", v.problem().orElse(null));
    return n;
  }

  static ObjectNode of(BrowserInfo b) {
    return ApiConnection.JSON.createObjectNode().put("id", b.id()).put("key", b.key().orElse(null)).put("state", b.state().wireName())
        .put("stateReason", b.stateReason().orElse(null)).put("sandboxId", b.sandboxId().orElse(null)).put("profile", b.profile().orElse(null))
        .put("createdAt", b.createdAt().toString()).put("cdpUrl", b.cdpUrl().orElse(null)).put("liveViewUrl", b.liveViewUrl().orElse(null))
        .put("liveControlUrl", b.liveControlUrl().orElse(null));
  }

  static String labels(SandboxInfo s) {
    return s.labels().isEmpty() ? "-" : s.labels().entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(","));
  }

  static String time(Optional<Instant> t) {
    return t.map(Instant::toString).orElse("-");
  }
}
