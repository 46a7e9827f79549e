package dev.warren.api;

import dev.warren.audit.Audit;
import dev.warren.audit.AuditEntry;
import dev.warren.error.Ids;
import io.javalin.http.Context;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.spi.LoggingEventBuilder;

/**
 * After every HTTP call: one structured log line ({@code api method=… route=… status=… ms=…
 * actor=… sandbox=…}), the request timer, and for calls that change something (POST, PUT, PATCH,
 * DELETE, and opening a terminal or CDP connection) an audit entry. Paths are logged without their
 * query string, so tokens passed as {@code ?token=} never reach the log.
 */
final class AccessLog {
  private static final Logger access = LoggerFactory.getLogger("api");
  static final String T0 = "warren.t0";
  static final String ACTOR = "warren.actor";
  private static final Set<String> MUTATING = Set.of("POST", "PUT", "PATCH", "DELETE");
  private static final Map<String, String> ID_PARAMS = Map.of("id", "subject", "sid", "session", "cid", "command", "tid", "token");
  private static final Pattern CREATED_ID = Pattern.compile("^\\{\"id\":\"((sbx|brw|tok)_[0-9a-z]{26})\"");
  private static final Pattern PATH_ID = Pattern.compile("/v1/[a-z]+/((sbx|brw|tok)_[0-9a-z]{26})(/|$)");
  private static final Set<String> CREATES = Set.of("/v1/sandboxes", "/v1/browsers", "/v1/tokens");
  /** Routes are the API's templates; past this many timers, paths nothing routes (a scanner's) share the route {@code {other}}. */
  private static final int MAX_TIMERS = 2000;

  private final Audit audit;
  private final PrometheusMeterRegistry metrics;
  private final Map<TimerKey, Timer> timers = new java.util.concurrent.ConcurrentHashMap<>();

  AccessLog(Audit audit, PrometheusMeterRegistry metrics) {
    this.audit = audit;
    this.metrics = metrics;
  }

  /** A preview URL's secret in a path: the URL itself, never written to the log or the audit trail. */
  private static final java.util.regex.Pattern PREVIEW_SECRET = java.util.regex.Pattern.compile("^/v1/previews/wpv\\.[^/]+");

  /** The path as logged and audited: a preview URL's secret shown as {@code wpv.…}. */
  static String shown(String path) {
    return PREVIEW_SECRET.matcher(path).replaceFirst("/v1/previews/wpv.…");
  }

  /** The request timer of a method, route and status, registered once: the lookup on every call was a builder and a tag sort. */
  private Timer timer(String method, String route, int status) {
    TimerKey key = new TimerKey(method, route, status);
    Timer t = timers.get(key);
    if (t != null) {
      return t;
    }
    TimerKey kept = timers.size() < MAX_TIMERS ? key : new TimerKey(method, "{other}", status);
    return timers.computeIfAbsent(kept, k -> Timer.builder("warren_http_requests").tag("method", k.method()).tag("route", k.route())
        .tag("status", Integer.toString(k.status())).register(metrics));
  }

  private record TimerKey(String method, String route, int status) {}

  static String actorId(Context ctx) {
    ApiTokens.Actor a = ctx.attribute(ACTOR);
    return a == null ? "unauthenticated" : a.id();
  }

  void after(Context ctx) {
    Long t0 = ctx.attribute(T0);
    long nanos = t0 == null ? 0 : System.nanoTime() - t0;
    var matched = ctx.endpoints().matchedHttpEndpoint();
    String route = matched == null ? ApiServer.routeOf(ctx.path()) : matched.path;
    String method = ctx.method().name();
    int status = ctx.statusCode();
    timer(method, route, status).record(nanos, java.util.concurrent.TimeUnit.NANOSECONDS);
    if (!ctx.path().startsWith("/v1/")) {
      return;
    }
    Optional<String> subject = subject(ctx, route, status);
    LoggingEventBuilder line = access.atInfo().addKeyValue("method", method).addKeyValue("route", route).addKeyValue("path", shown(ctx.path()))
        .addKeyValue("status", status).addKeyValue("ms", nanos / 1_000_000).addKeyValue("actor", actorId(ctx));
    subject.ifPresent(s -> line.addKeyValue("subject", s));
    ctx.pathParamMap().forEach((k, v) -> {
      if (!k.equals("id") && ID_PARAMS.containsKey(k)) {
        line.addKeyValue(ID_PARAMS.get(k), v);
      }
    });
    line.log("call");
    if (MUTATING.contains(method)) {
      audit.record(new AuditEntry(Ids.next("aud"), Instant.now(), actorId(ctx), method, route, shown(ctx.path()), subject, status, nanos / 1_000_000));
    }
  }

  /** A WebSocket (terminal, CDP, live view) was opened: audited like a mutating call. */
  void upgraded(Context ctx, String route) {
    Long t0 = ctx.attribute(T0);
    long ms = t0 == null ? 0 : (System.nanoTime() - t0) / 1_000_000;
    Optional<String> subject = Optional.ofNullable(ctx.pathParamMap().get("id"));
    LoggingEventBuilder line = access.atInfo().addKeyValue("method", "WS").addKeyValue("route", route).addKeyValue("path", shown(ctx.path()))
        .addKeyValue("status", 101).addKeyValue("ms", ms).addKeyValue("actor", actorId(ctx));
    subject.ifPresent(s -> line.addKeyValue("subject", s));
    line.log("websocket");
    audit.record(new AuditEntry(Ids.next("aud"), Instant.now(), actorId(ctx), "WS", route, shown(ctx.path()), subject, 101, ms));
  }

  /** The sandbox, browser or token the call was about: from the path, else the id a create answered. */
  private static Optional<String> subject(Context ctx, String route, int status) {
    String id = ctx.pathParamMap().getOrDefault("id", ctx.pathParamMap().get("name"));
    if (id != null) {
      return Optional.of(id.length() > 40 ? id.substring(0, 40) : id);
    }
    if (ctx.endpoints().matchedHttpEndpoint() == null) {
      // refused before routing (no token): the id is still in the path
      Matcher m = PATH_ID.matcher(ctx.path());
      if (m.lookingAt()) {
        return Optional.of(m.group(1));
      }
    }
    if ((status == 200 || status == 201) && ctx.method().name().equals("POST") && CREATES.contains(route)) {
      String body = ctx.result();
      if (body != null) {
        Matcher m = CREATED_ID.matcher(body);
        if (m.find()) {
          return Optional.of(m.group(1));
        }
      }
    }
    return Optional.empty();
  }
}
