package dev.warren.api;

import dev.warren.net.EgressPolicy;
import dev.warren.runtime.Limits;
import dev.warren.runtime.Usage;
import dev.warren.sandbox.Sandbox;
import java.net.URI;
import tools.jackson.databind.node.ObjectNode;

/** The sandbox body of the API (docs/api.md). Upstream proxy passwords never leave the server. */
final class SandboxJson {
  private SandboxJson() {}

  static ObjectNode of(Sandbox s) {
    ObjectNode n = Json.object();
    n.put("id", s.id());
    n.put("state", s.state().wire());
    n.put("stateReason", s.stateReason().orElse(null));
    n.put("image", s.spec().image());
    n.put("imageDigest", s.imageDigest());
    n.put("runtime", s.spec().runtime().orElse(null));
    // the accelerator of a virtual machine's guest (kvm, tcg); the routes fill it in from the runtime
    n.putNull("accel");
    n.put("snapshot", s.spec().snapshot().orElse(null));
    n.put("generation", s.generation());
    n.put("address", s.address());
    ObjectNode env = n.putObject("env");
    s.spec().env().forEach(env::put);
    ObjectNode labels = n.putObject("labels");
    s.spec().labels().forEach(labels::put);
    // a browser session's own sandbox: stopping or deleting it ends that session (close the browser instead)
    n.put("browserId", s.spec().labels().get(dev.warren.browser.BrowserService.LABEL));
    Limits limits = s.spec().limits();
    ObjectNode l = n.putObject("limits").put("memoryMb", limits.memoryMb()).put("pids", limits.pids()).put("cpus", limits.cpus());
    // null: a sandbox made before disk limits, whose changes are not limited
    l.put("diskMb", limits.hasDisk() ? limits.diskMb() : null);
    l.put("diskInodes", limits.hasDisk() ? limits.diskInodes() : null);
    n.set("egress", egress(s.spec().egress()));
    n.put("idleTimeoutSeconds", s.spec().idleTimeout().toSeconds());
    n.put("idleAction", s.spec().idleAction().wire());
    n.put("pausedTimeoutSeconds", s.spec().pausedTimeout().toSeconds());
    s.spec().desktop().ifPresentOrElse(d -> n.set("desktop", desktop(s.id(), d)), () -> n.putNull("desktop"));
    var volumes = n.putArray("volumes");
    s.spec().volumes().forEach(v -> volumes.addObject().put("name", v.name()).put("path", v.path()).put("readOnly", v.readOnly()));
    n.put("createdAt", Json.time(s.createdAt()));
    n.put("startedAt", Json.time(s.startedAt()));
    n.put("stoppedAt", Json.time(s.stoppedAt()));
    n.put("lastActivityAt", Json.time(s.lastActivityAt()));
    return n;
  }

  /**
   * A running sandbox's resource use (its {@code usage} member); {@code disk} is null for a
   * sandbox without a disk of its own.
   */
  static ObjectNode usage(Usage u) {
    ObjectNode n = Json.object();
    n.put("memoryBytes", u.memoryBytes());
    n.put("cpuSeconds", u.cpuNanos() / 1e9);
    n.put("processes", u.processes());
    u.disk().ifPresentOrElse(d -> n.putObject("disk").put("usedBytes", d.usedBytes()).put("freeBytes", d.freeBytes())
        .put("usedInodes", d.usedInodes()).put("freeInodes", d.freeInodes()), () -> n.putNull("disk"));
    return n;
  }

  /** Where a desktop is shown: the VNC-over-WebSocket path (API token, or a signed token from …/vnc-url). */
  static ObjectNode desktop(String sandboxId, dev.warren.sandbox.Desktop d) {
    return Json.object().put("width", d.width()).put("height", d.height()).put("vncPath", "/v1/sandboxes/" + sandboxId + "/vnc");
  }

  static ObjectNode egress(EgressPolicy p) {
    ObjectNode e = Json.object();
    var allow = e.putArray("allow");
    p.allow().forEach(allow::add);
    e.put("upstreamProxy", p.upstreamProxy().map(SandboxJson::mask).orElse(null));
    var reach = e.putArray("reach");
    p.reach().forEach(reach::add);
    return e;
  }

  static String mask(URI u) {
    String info = u.getRawUserInfo();
    if (info == null) {
      return u.toString();
    }
    int colon = info.indexOf(':');
    String user = colon < 0 ? info : info.substring(0, colon);
    return u.getScheme() + "://" + user + ":***@" + u.getHost() + (u.getPort() >= 0 ? ":" + u.getPort() : "");
  }

}
