package dev.warren.api;

import dev.warren.error.Problem;
import dev.warren.error.WarrenException;
import dev.warren.host.DiskSpace;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a route threw, as an RFC 9457 problem. A {@link WarrenException} is answered by its own
 * problem (whatever its class: every capability's family extends it); a fault of the data
 * directory's disk or of the database becomes a 503 naming it (see {@link Failures}); Javalin's
 * own refusals keep their status; anything else is a bug, a 500 with a reference into the log.
 * Stateless; thread-safe.
 */
final class Problems {
  private static final Logger log = LoggerFactory.getLogger(Problems.class);

  private final Failures failures;
  private final long maxJson;

  Problems(Failures failures, long maxJson) {
    this.failures = failures;
    this.maxJson = maxJson;
  }

  /** Answers {@code e} on {@code ctx}. */
  void answer(Exception e, Context ctx) {
    switch (e) {
      case WarrenException we -> family(we, ctx);
      case org.jdbi.v3.core.JdbiException je -> outage(ctx, failures.unavailable(je).orElse("the store is unavailable: " + Failures.rootMessage(je)));
      case HttpResponseException he -> javalin(he, ctx);
      default -> {
        Optional<String> outage = failures.unavailable(e);
        if (outage.isPresent()) {
          outage(ctx, outage.get());
          return;
        }
        String ref = dev.warren.error.Ids.next("err");
        log.error("unexpected error {} on {} {}", ref, ctx.method(), ctx.path(), e);
        Json.problem(ctx, Problem.INTERNAL, "unexpected error; see the server log for " + ref, Optional.empty(), Map.of());
      }
    }
  }

  private void family(WarrenException e, Context ctx) {
    boolean hostTrouble = e.problem() == Problem.UNAVAILABLE || (DiskSpace.isNoSpace(e) && e.problem() != Problem.SANDBOX_DISK_FULL);
    Optional<String> outage = hostTrouble ? failures.unavailable(e) : Optional.empty();
    if (outage.isPresent()) {
      outage(ctx, outage.get());
      return;
    }
    if (e.problem().status() >= 500) {
      // a fault: the operator sees it too, and where it was raised when debugging
      log.warn("{} {}: {}", ctx.method(), ctx.path(), e.getMessage());
      log.debug("{} {} answered {}", ctx.method(), ctx.path(), e.problem().status(), e);
    }
    if (e.extra().get("retryAfterSeconds") instanceof Long wait) {
      ctx.header("Retry-After", Long.toString(wait));
    }
    Json.problem(ctx, e.problem(), e.getMessage(), e.field(), e.extra());
  }

  private static void outage(Context ctx, String detail) {
    log.warn("{} {}: {}", ctx.method(), ctx.path(), detail);
    Json.problem(ctx, Problem.UNAVAILABLE, detail, Optional.empty(), Map.of());
  }

  private void javalin(HttpResponseException e, Context ctx) {
    Problem p = switch (e.getStatus()) {
      case 400 -> Problem.INVALID_INPUT;
      case 401 -> Problem.UNAUTHORIZED;
      case 403 -> Problem.FORBIDDEN;
      case 404, 405 -> Problem.NOT_FOUND;
      case 409 -> Problem.CONFLICT;
      case 413 -> Problem.TOO_LARGE;
      case 429 -> Problem.LIMIT_EXCEEDED;
      case 503 -> Problem.UNAVAILABLE;
      default -> e.getStatus() < 500 ? Problem.INVALID_INPUT : Problem.INTERNAL;
    };
    String detail = p == Problem.TOO_LARGE ? "the request body is over the limit of " + maxJson + " bytes" : e.getMessage();
    Json.problem(ctx, p, detail, Optional.empty(), Map.of());
  }
}
