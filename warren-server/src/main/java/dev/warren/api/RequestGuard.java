package dev.warren.api;

import dev.warren.error.Problem;
import dev.warren.error.WarrenException;
import dev.warren.host.DiskSpace;
import io.javalin.http.Context;
import java.util.Map;
import java.util.Optional;

/**
 * Checks every authenticated request before its handler runs: the caller's rate limit (429 with
 * {@code Retry-After}), the declared body size (413), and, for calls that write, the free space of
 * the data directory (503 below {@code WARREN_MIN_FREE_SPACE}, so that a filling disk refuses new
 * work cleanly instead of cutting it off halfway). Calls that free resources (delete, stop, signal)
 * are let through a full disk. Thread-safe.
 */
final class RequestGuard {
  private final RateLimiter rates;
  private final DiskSpace disk;
  private final long minFree;
  private final long maxBody;
  private final Failures failures;

  RequestGuard(RateLimiter rates, DiskSpace disk, long minFree, long maxBody, Failures failures) {
    this.rates = rates;
    this.disk = disk;
    this.minFree = minFree;
    this.maxBody = maxBody;
    this.failures = failures;
  }

  void check(Context ctx, String caller) {
    long wait = rates.acquire(caller);
    if (wait > 0) {
      throw new WarrenException(Problem.LIMIT_EXCEEDED, "too many requests: the rate limit is " + rates.limit().perSecond()
          + " requests/s with bursts of " + rates.limit().burst() + " per token (WARREN_RATE_LIMIT); retry after " + wait + " s",
          Optional.empty(), Map.of("retryAfterSeconds", wait), null);
    }
    long declared = ctx.req().getContentLengthLong();
    // an image archive has its own limit, checked by its route as it streams to disk
    if (declared > maxBody && !(ctx.method().name().equals("POST") && ctx.path().equals("/v1/images/import"))) {
      throw new WarrenException(Problem.TOO_LARGE, "the request body of " + declared + " bytes is over the limit of " + maxBody + " bytes");
    }
    if (writes(ctx.method().name(), ctx.path())) {
      disk.usable().filter(free -> free < minFree).ifPresent(free -> {
        throw new WarrenException(Problem.UNAVAILABLE, failures.diskFull("new work is refused while less than "
            + DiskSpace.human(minFree) + " is free (WARREN_MIN_FREE_SPACE)"));
      });
    }
  }

  static boolean writes(String method, String path) {
    if (!method.equals("POST") && !method.equals("PUT") && !method.equals("PATCH")) {
      return false;
    }
    return !path.endsWith("/stop") && !path.endsWith("/signal");
  }
}
