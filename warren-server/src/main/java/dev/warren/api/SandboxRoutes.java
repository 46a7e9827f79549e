package dev.warren.api;

import dev.warren.config.Config;
import dev.warren.error.WarrenException;
import dev.warren.net.EgressPolicy;
import dev.warren.runtime.ExecResult;
import dev.warren.runtime.ExecSpec;
import dev.warren.runtime.Limits;
import dev.warren.runtime.VolumeMount;
import dev.warren.sandbox.Desktop;
import dev.warren.sandbox.IdleAction;
import dev.warren.sandbox.Sandbox;
import dev.warren.sandbox.SandboxService;
import dev.warren.sandbox.SandboxSpec;
import dev.warren.sandbox.SandboxState;
import dev.warren.store.IdempotencyKey;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import tools.jackson.databind.node.ObjectNode;

/** {@code /v1/sandboxes}: create, list, get, stop, start, restart, pause, resume, delete, exec. */
final class SandboxRoutes {
  static final long MAX_EXEC_TIMEOUT = 86_400;

  private final SandboxService sandboxes;
  private final Config config;
  private final dev.warren.browser.BrowserService browsers;

  SandboxRoutes(SandboxService sandboxes, dev.warren.browser.BrowserService browsers, Config config) {
    this.sandboxes = sandboxes;
    this.browsers = browsers;
    this.config = config;
  }

  void register(RoutesConfig r) {
    r.post("/v1/sandboxes", this::create);
    r.get("/v1/sandboxes", this::list);
    r.get("/v1/sandboxes/{id}", ctx -> {
      Sandbox s = sandboxes.get(ctx.pathParam("id"));
      ObjectNode body = json(s);
      body.set("usage", sandboxes.usage(s).map(SandboxJson::usage).orElse(null));
      Json.send(ctx, 200, body);
    });
    r.post("/v1/sandboxes/{id}/stop", ctx -> Json.send(ctx, 200, json(sandboxes.stop(ctx.pathParam("id")))));
    r.post("/v1/sandboxes/{id}/start", ctx -> Json.send(ctx, 200, json(sandboxes.start(ctx.pathParam("id")))));
    r.post("/v1/sandboxes/{id}/restart", ctx -> Json.send(ctx, 200, json(sandboxes.restart(ctx.pathParam("id")))));
    r.delete("/v1/sandboxes/{id}", ctx -> {
      sandboxes.delete(ctx.pathParam("id"));
      ctx.status(204);
    });
    r.post("/v1/sandboxes/{id}/exec", this::exec);
    r.post("/v1/sandboxes/{id}/pause", ctx -> {
      String id = ctx.pathParam("id");
      Sandbox s = sandboxes.get(id);
      String browser = s.spec().labels().get(dev.warren.browser.BrowserService.LABEL);
      if (browser != null) {
        // the browser's pause: refused unless the browser is ready (a Chromium frozen while it starts would never answer its start)
        browsers.pause(browser, "paused through its sandbox " + id);
        Json.send(ctx, 200, json(sandboxes.get(id)));
        return;
      }
      Json.send(ctx, 200, json(sandboxes.pause(id)));
    });
    r.post("/v1/sandboxes/{id}/resume", ctx -> Json.send(ctx, 200, json(sandboxes.resume(ctx.pathParam("id")))));
  }

  /**
   * The {@code resume} query parameter of a call that works inside a sandbox: true (the default)
   * lets the call resume a paused sandbox first, false answers 409 instead.
   */
  static boolean resume(Context ctx) {
    String v = ctx.queryParam("resume");
    if (v == null || v.equals("true")) {
      return true;
    }
    if (v.equals("false")) {
      return false;
    }
    throw WarrenException.invalid("resume", "resume must be true or false, got '" + Queries.shown(v) + "'");
  }

  /** The sandbox body, with the accelerator its runtime runs guests under (null for containers). */
  private tools.jackson.databind.node.ObjectNode json(dev.warren.sandbox.Sandbox s) {
    return SandboxJson.of(s).put("accel", sandboxes.accel(s).orElse(null));
  }

  private void create(Context ctx) {
    Body b = Body.of(ctx, Set.of("image", "env", "labels", "limits", "egress", "idleTimeoutSeconds", "idleAction", "pausedTimeoutSeconds",
        "desktop", "snapshot", "volumes", "runtime"));
    Config.SandboxDefaults d = config.sandboxDefaults();
    Optional<String> snapshot = b.string("snapshot");
    // a sandbox from a snapshot runs the snapshot's image
    String image = b.string("image").orElseGet(() -> snapshot.map(sandboxes::imageOfSnapshot).orElse(d.image()));
    Map<String, String> env = b.stringMap("env");
    Map<String, String> labels = b.stringMap("labels");
    Limits limits = limits(b.object("limits", Set.of("memoryMb", "pids", "cpus", "diskMb", "diskInodes")), d);
    EgressPolicy egress = b.object("egress", Set.of("allow", "upstreamProxy", "reach")).map(SandboxRoutes::egress).orElse(EgressPolicy.DENY_ALL);
    Duration idle = b.integer("idleTimeoutSeconds", 0, SandboxSpec.MAX_IDLE.toSeconds()).map(Duration::ofSeconds).orElse(d.idleTimeout());
    Optional<Desktop> desktop = b.object("desktop", Set.of("width", "height")).map(o -> new Desktop(
        o.integer("width", 320, 3840).map(Long::intValue).orElse(1280), o.integer("height", 200, 2160).map(Long::intValue).orElse(720)));
    IdleAction idleAction = b.string("idleAction").map(a -> IdleAction.parse(a).orElseThrow(() -> WarrenException.invalid("idleAction",
        "idleAction must be \"stop\" or \"pause\", got '" + Queries.shown(a) + "'"))).orElseGet(() -> IdleAction.parse(d.idleAction()).orElseThrow());
    Duration pausedTimeout = b.integer("pausedTimeoutSeconds", 0, SandboxSpec.MAX_IDLE.toSeconds()).map(Duration::ofSeconds)
        .orElse(d.pausedTimeout());
    Optional<IdempotencyKey> key = idempotencyKey(ctx);
    List<VolumeMount> volumes = volumeMounts(b);
    // empty: WARREN_RUNTIME; a name this build does not know is refused (400 naming runtime) by the service
    Optional<String> runtime = b.string("runtime");
    SandboxService.Created c = sandboxes.createOrClaim(new SandboxSpec(image, env, labels, limits, egress, idle, desktop, idleAction,
        pausedTimeout, snapshot, volumes, runtime), key);
    ctx.header("Location", "/v1/sandboxes/" + c.sandbox().id());
    // pooled: handed out from the warm pool (WARREN_SANDBOX_POOL) rather than created by this call
    Json.send(ctx, 201, json(c.sandbox()).put("pooled", c.pooled()));
  }

  private static List<VolumeMount> volumeMounts(Body b) {
    List<Body> given = b.objectList("volumes", dev.warren.volume.VolumePaths.MAX_MOUNTS, Set.of("name", "path", "readOnly"));
    List<VolumeMount> out = new java.util.ArrayList<>();
    for (int i = 0; i < given.size(); i++) {
      Body v = given.get(i);
      String field = "volumes[" + i + "].";
      out.add(new VolumeMount(v.string("name").orElseThrow(() -> WarrenException.invalid(field + "name", field + "name is required")),
          v.string("path").orElseThrow(() -> WarrenException.invalid(field + "path", field + "path is required")),
          v.bool("readOnly").orElse(false)));
    }
    return out;
  }

  private static Limits limits(Optional<Body> given, Config.SandboxDefaults d) {
    Body l = given.orElse(Body.empty());
    int diskMb = l.integer("diskMb", Limits.MIN_DISK_MB, Limits.MAX_DISK_MB).map(Long::intValue).orElse(d.diskMb());
    return new Limits(
        l.integer("memoryMb", Limits.MIN_MEMORY_MB, Limits.MAX_MEMORY_MB).map(Long::intValue).orElse(d.memoryMb()),
        l.integer("pids", Limits.MIN_PIDS, Limits.MAX_PIDS).map(Long::intValue).orElse(d.pids()),
        l.number("cpus", Limits.MIN_CPUS, Limits.MAX_CPUS).orElse(d.cpus()),
        diskMb,
        l.integer("diskInodes", Limits.MIN_DISK_INODES, Limits.maxInodes(diskMb)).orElse(Limits.defaultInodes(diskMb)));
  }

  /** The request's {@code Idempotency-Key} header, checked, as its caller's (keys are scoped per token). */
  static Optional<IdempotencyKey> idempotencyKey(io.javalin.http.Context ctx) {
    Optional<String> key = Optional.ofNullable(ctx.header("Idempotency-Key")).map(String::strip).filter(k -> !k.isEmpty());
    if (key.isPresent() && (key.get().length() > 255 || !key.get().chars().allMatch(c -> c >= 0x21 && c < 0x7f))) {
      throw WarrenException.invalid("Idempotency-Key", "Idempotency-Key must be 1-255 visible ASCII characters");
    }
    ApiTokens.Actor caller = ctx.attribute(AccessLog.ACTOR);
    return key.map(k -> new IdempotencyKey(caller == null ? "unauthenticated" : caller.id(), k));
  }

  static EgressPolicy egress(Body e) {
    List<String> allow = e.stringList("allow", 256).orElse(List.of());
    Optional<URI> upstream = e.string("upstreamProxy").map(u -> {
      try {
        return new URI(u);
      } catch (java.net.URISyntaxException ex) {
        throw WarrenException.invalid("egress.upstreamProxy", "egress.upstreamProxy is not a URL: " + ex.getReason());
      }
    });
    List<String> reach = e.stringList("reach", 64).orElse(List.of());
    try {
      return new EgressPolicy(allow, upstream, reach);
    } catch (IllegalArgumentException ex) {
      String m = ex.getMessage() == null ? "" : ex.getMessage();
      String field = m.contains("reach") ? "egress.reach" : m.toLowerCase().contains("upstream") ? "egress.upstreamProxy" : "egress.allow";
      throw WarrenException.invalid(field, ex.getMessage());
    }
  }

  private void list(Context ctx) {
    Map<String, String> labels = new LinkedHashMap<>();
    for (String l : ctx.queryParams("label")) {
      Queries.printable("label", l, 400);
      int eq = l.indexOf('=');
      if (eq <= 0) {
        throw WarrenException.invalid("label", "label filters are name=value, got '" + Queries.shown(l) + "'");
      }
      labels.put(l.substring(0, eq), l.substring(eq + 1));
    }
    Optional<SandboxState> state = Optional.ofNullable(ctx.queryParam("state")).filter(s -> !s.isEmpty()).map(s -> {
      try {
        return SandboxState.parse(s);
      } catch (IllegalArgumentException e) {
        throw WarrenException.invalid("state", "state must be one of creating, starting, running, paused, stopping, stopped, failed; got '"
            + Queries.shown(s) + "'");
      }
    });
    ObjectNode out = Json.object();
    var arr = out.putArray("sandboxes");
    sandboxes.list(labels, state).forEach(s -> arr.add(json(s)));
    Json.send(ctx, 200, out);
  }

  private void exec(Context ctx) {
    String id = ctx.pathParam("id");
    Body b = Body.of(ctx, Set.of("command", "argv", "env", "cwd", "stdin", "timeoutSeconds"));
    Optional<String> command = b.string("command");
    Optional<List<String>> argv = b.stringList("argv", 4096);
    if (command.isPresent() == argv.isPresent()) {
      throw WarrenException.invalid(command.isPresent() ? "argv" : "command", "give exactly one of command (a shell string) or argv (a list)");
    }
    if (argv.isPresent() && argv.get().isEmpty()) {
      throw WarrenException.invalid("argv", "argv must name a program");
    }
    Map<String, String> env = b.stringMap("env");
    env.forEach((k, v) -> {
      if (!k.matches("[A-Za-z_][A-Za-z0-9_]*") || k.startsWith("WARREN_")) {
        throw WarrenException.invalid("env." + k, "environment names are letters, digits and '_' and may not start with WARREN_");
      }
    });
    Optional<String> cwd = b.string("cwd");
    cwd.ifPresent(c -> {
      if (!c.startsWith("/")) {
        throw WarrenException.invalid("cwd", "cwd must be an absolute path");
      }
    });
    byte[] stdin = b.string("stdin").map(s -> s.getBytes(StandardCharsets.UTF_8)).orElse(new byte[0]);
    long timeout = b.integer("timeoutSeconds", 1, MAX_EXEC_TIMEOUT).orElse(300L);
    List<String> program = argv.orElseGet(() -> List.of("/bin/sh", "-c", command.get()));
    // each stream is read up to the answer's whole budget: an encoded byte is never smaller than a raw one
    SandboxService.Executed done = sandboxes.exec(id, sandboxes.asImageUser(id, new ExecSpec(program, env, cwd, stdin, Duration.ofSeconds(timeout),
        ExecAnswer.MAX_OUTPUT)), resume(ctx));
    ExecResult r = done.result();
    ExecAnswer.send(ctx, r, r.oomKilled()
        ? "killed by the sandbox's memory limit of " + sandboxes.get(id).spec().limits().memoryMb() + " MiB" : null, done.resumed());
  }
}
