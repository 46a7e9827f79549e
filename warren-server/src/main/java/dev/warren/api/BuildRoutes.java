package dev.warren.api;

import dev.warren.build.Build;
import dev.warren.build.BuildOptions;
import dev.warren.build.ImageBuilds;
import dev.warren.error.Problem;
import dev.warren.error.WarrenException;
import dev.warren.image.ImageRef;
import dev.warren.image.ImageStore;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import tools.jackson.databind.node.ObjectNode;

/**
 * Dockerfile builds: {@code POST /v1/images?name=} with the build context as a tar body (201 with
 * the image when done, or 202 at once with {@code async=true}), {@code GET
 * /v1/images/{name}/builds/{id}} and its log as Server-Sent Events
 * ({@code …/logs?follow=true}). Any API token may build, as it may import.
 */
final class BuildRoutes {
  private static final Duration SYNC_WAIT = Duration.ofHours(2);
  private static final long HEARTBEAT_MILLIS = 15_000;
  private final ImageBuilds builds;
  private final ImageStore store;
  private final java.util.function.Function<dev.warren.image.UserImage, ObjectNode> imageJson;
  private final java.util.function.BooleanSupplier stopping;

  BuildRoutes(ImageBuilds builds, ImageStore store, java.util.function.Function<dev.warren.image.UserImage, ObjectNode> imageJson,
      java.util.function.BooleanSupplier stopping) {
    this.builds = builds;
    this.store = store;
    this.imageJson = imageJson;
    this.stopping = stopping;
  }

  /** Registered before {@code /v1/images/<name>}, which would match these paths too. */
  void register(RoutesConfig r) {
    r.post("/v1/images", this::build);
    r.post("/v1/images/prune", ctx -> {
      int[] removed = builds.pruneCache();
      Json.send(ctx, 200, Json.object().put("steps", removed[0]).put("files", removed[1]));
    });
    r.get("/v1/images/<name>/builds/{id}/logs", this::logs);
    r.get("/v1/images/<name>/builds/{id}", ctx -> Json.send(ctx, 200, find(ctx).json()));
  }

  private Build find(Context ctx) {
    String name = ctx.pathParam("name");
    String id = ctx.pathParam("id");
    return builds.find(name, id).orElseThrow(() -> new WarrenException(Problem.NOT_FOUND, "no build " + id + " of image " + name));
  }

  private void build(Context ctx) throws InterruptedException {
    ImageRef ref = ImageRef.parse("name", ctx.queryParam("name"));
    String dockerfile = Optional.ofNullable(ctx.queryParam("dockerfile")).filter(s -> !s.isBlank()).orElse("Dockerfile");
    Map<String, String> args = new LinkedHashMap<>();
    for (String a : ctx.queryParams("buildArg")) {
      int eq = a.indexOf('=');
      if (eq <= 0) {
        throw WarrenException.invalid("buildArg", "buildArg must be NAME=value, got '" + a + "'");
      }
      args.put(a.substring(0, eq), a.substring(eq + 1));
    }
    List<String> allow = ctx.queryParams("allow");
    try {
      new dev.warren.net.EgressPolicy(allow, Optional.empty());
    } catch (IllegalArgumentException e) {
      throw WarrenException.invalid("allow", e.getMessage());
    }
    Build b;
    try (InputStream in = ctx.bodyInputStream()) {
      b = builds.start(ref, in, new BuildOptions(dockerfile, args, allow));
    } catch (IOException e) {
      throw WarrenException.invalid("body", "cannot read the build context: " + e.getMessage());
    }
    ctx.header("Location", "/v1/images/" + ref + "/builds/" + b.id());
    if ("true".equals(ctx.queryParam("async"))) {
      Json.send(ctx, 202, b.json());
      return;
    }
    if (!b.await(SYNC_WAIT)) {
      throw new WarrenException(Problem.UNAVAILABLE, "build " + b.id() + " is still running after " + SYNC_WAIT.toMinutes()
          + " minutes; follow it at /v1/images/" + ref + "/builds/" + b.id());
    }
    if (b.state() != Build.State.SUCCEEDED) {
      throw b.cause().orElseGet(() -> new WarrenException(Problem.BUILD_FAILED, b.error().orElse("the build failed")));
    }
    ObjectNode n = imageJson.apply(store.find(ref).orElseThrow(() -> new WarrenException(Problem.CONFLICT, "image " + ref
        + " was deleted as its build ended")));
    n.set("build", b.json());
    ctx.header("Location", "/v1/images/" + ref);
    Json.send(ctx, 201, n);
  }

  /**
   * The build's log as Server-Sent Events: {@code step} (a step's status changed), {@code output}
   * (a line a RUN printed), {@code done} (the build, ended); each event's id is its index, so a
   * client resumes with {@code Last-Event-ID} or {@code ?from=}. Without {@code follow=true} the
   * stream ends with what there is.
   */
  private void logs(Context ctx) throws IOException, InterruptedException {
    Build b = find(ctx);
    boolean follow = "true".equals(ctx.queryParam("follow"));
    String fromParam = Optional.ofNullable(ctx.queryParam("from")).orElse("0");
    if (!fromParam.matches("[0-9]{1,9}")) {
      throw WarrenException.invalid("from", "from must be an event index (0 or more), got '" + Queries.shown(fromParam) + "'");
    }
    int from = Integer.parseInt(fromParam);
    String last = ctx.header("Last-Event-ID");
    if (last != null && last.matches("[0-9]{1,9}")) {
      from = Integer.parseInt(last) + 1;
    }
    ctx.status(200);
    ctx.res().setContentType("text/event-stream");
    ctx.res().setHeader("Cache-Control", "no-cache");
    ctx.res().setHeader("X-Accel-Buffering", "no");
    OutputStream out = ctx.res().getOutputStream();
    send(out, ": build " + b.id() + " of " + b.name() + " from event " + from + "\n\n");
    long lastWrite = System.currentTimeMillis();
    while (true) {
      List<Build.Event> events = b.events(from, follow ? Duration.ofSeconds(1) : Duration.ZERO);
      for (Build.Event e : events) {
        send(out, "id: " + e.index() + "\nevent: " + e.type() + "\ndata: " + e.data() + "\n\n");
        from = e.index() + 1;
        lastWrite = System.currentTimeMillis();
        if (e.type().equals("done")) {
          return;
        }
      }
      if (!follow || stopping.getAsBoolean()) {
        return;
      }
      if (events.isEmpty() && b.state() != Build.State.RUNNING && b.events(from, Duration.ZERO).isEmpty()) {
        return;
      }
      if (System.currentTimeMillis() - lastWrite > HEARTBEAT_MILLIS) {
        send(out, ": heartbeat\n\n");
        lastWrite = System.currentTimeMillis();
      }
    }
  }

  private static void send(OutputStream out, String s) throws IOException {
    out.write(s.getBytes(StandardCharsets.UTF_8));
    out.flush();
  }
}
