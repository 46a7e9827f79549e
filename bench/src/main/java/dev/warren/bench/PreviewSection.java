package dev.warren.bench;

import dev.warren.testing.TestWarren;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The preview proxy ({@code /v1/sandboxes/{id}/ports/{port}/…}) beside a direct connection to the
 * sandbox's address on the bridge, in the same run, same client, same app (the tests' python3
 * app, {@code preview/app.py}): the latency of a small GET (p50, and what the proxy adds) and the
 * throughput of a large download (MB/s). Targets from issue 15: at most 1 ms added at p50, at
 * least 50 % of the direct throughput. The latency is measured twice: over the first requests
 * (a cold JIT on both sides of the proxy, shown for what it is) and, for the verdict, after
 * {@link #WARMUP} requests of each path, the steady state a running agent's app sees. The
 * controller is a process of its own, as deployed, not the bench's in-process one: on a small host
 * a client sharing the controller's JVM (its carrier threads, its collector) inflates the proxied
 * path alone. Direct and proxied requests alternate, so that both see the same moments.
 */
final class PreviewSection {
  static final int REQUESTS = 300;
  static final int WARMUP = 3000;
  static final int COLD = 100;
  static final int DOWNLOAD_MB = 100;
  static final int DOWNLOADS = 3;
  private static final Duration T = Duration.ofSeconds(90);

  /** Both paths' figures; the throughputs in MB/s (best of {@link #DOWNLOADS}). */
  record Result(Stats direct, Stats proxied, double directMBs, double proxiedMBs, List<String> failures) {
    double addedP50Ms() {
      return proxied.p50() - direct.p50();
    }
  }

  private PreviewSection() {}

  static Result run(Cleanup cleanup) throws InterruptedException {
    Report.title("Preview proxy: a sandbox's port through Warren, beside the sandbox's address directly");
    Report.note("the controller runs as its own process, as deployed (warren serve, logging each call): the client's JVM shares nothing "
        + "with it; direct and proxied requests alternate, so both see the same moments of the host");
    List<String> failures = new ArrayList<>();
    TestWarren w = TestWarren.start();
    // stopped once: at the end of the section, or by the shutdown hook (which deletes its sandboxes and tears it down)
    java.util.concurrent.atomic.AtomicBoolean stopped = new java.util.concurrent.atomic.AtomicBoolean();
    AutoCloseable controller = () -> {
      if (stopped.compareAndSet(false, true)) {
        w.close();
      }
    };
    cleanup.push("the previews section's controller", controller);
    String id = w.createSandbox("{}");
    try {
      String address = w.get("/v1/sandboxes/" + id).json().path("address").asString();
      byte[] app;
      try (InputStream in = PreviewSection.class.getResourceAsStream("/preview/app.py")) {
        app = in.readAllBytes();
      }
      TestWarren.Resp put = w.put("/v1/sandboxes/" + id + "/files?path=/tmp/app.py", app);
      if (put.status() != 204) {
        throw new IllegalStateException("uploading the app answered " + put);
      }
      w.exec(id, "nohup python3 /tmp/app.py 8000 >/dev/null 2>&1 & echo started");
      HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10)).build();
      String proxied = w.base() + "/v1/sandboxes/" + id + "/ports/8000";
      String direct = "http://" + address + ":8000";
      waitFor(http, direct + "/ready", Optional.empty());
      waitFor(http, proxied + "/ready", Optional.of(w.token()));
      Stats[] cold = alternating(http, direct + "/hello", proxied + "/hello", w.token(), "first " + COLD, 0, COLD);
      Stats[] warm = alternating(http, direct + "/hello", proxied + "/hello", w.token(), "after " + WARMUP, WARMUP, REQUESTS);
      Stats dCold = cold[0];
      Stats pCold = cold[1];
      Stats d = warm[0];
      Stats p = warm[1];
      Stats api0 = latency(http, w.base() + "/v1/sandboxes/" + id, Optional.of(w.token()), "for scale: GET /v1/sandboxes/{id}", WARMUP,
          REQUESTS);
      double dMBs = throughput(http, direct + "/big?n=" + DOWNLOAD_MB * 1_000_000L, Optional.empty());
      double pMBs = throughput(http, proxied + "/big?n=" + DOWNLOAD_MB * 1_000_000L, Optional.of(w.token()));
      Result r = new Result(d, p, dMBs, pMBs, failures);
      Report.latencies(List.of(dCold, pCold, d, p, api0));
      Report.table(List.of(List.of("download of " + DOWNLOAD_MB + " MB (best of " + DOWNLOADS + ")", "MB/s"),
          List.of("direct (floor)", String.format(Locale.ROOT, "%.0f", dMBs)),
          List.of("through the preview proxy", String.format(Locale.ROOT, "%.0f", pMBs))));
      Report.verdict(r.addedP50Ms() <= 1.0, "preview proxy adds <= 1 ms at p50 (GET of a small page, warm)",
          String.format(Locale.ROOT, "%.2f ms (%s vs %s)", r.addedP50Ms(), Report.ms(p.p50()), Report.ms(d.p50())));
      Report.verdict(pMBs >= 0.5 * dMBs, "preview proxy throughput >= 50 % of direct",
          String.format(Locale.ROOT, "%.0f %% (%.0f of %.0f MB/s)", 100 * pMBs / dMBs, pMBs, dMBs));
      if (r.addedP50Ms() > 1.0) {
        failures.add("preview proxy: " + String.format(Locale.ROOT, "%.2f", r.addedP50Ms()) + " ms added at p50, target 1 ms");
      }
      if (pMBs < 0.5 * dMBs) {
        failures.add("preview proxy: " + String.format(Locale.ROOT, "%.0f", pMBs) + " MB/s, under half of direct " + String.format(Locale.ROOT,
            "%.0f", dMBs));
      }
      return r;
    } catch (java.io.IOException e) {
      throw new IllegalStateException("preview section: " + e.getMessage(), e);
    } finally {
      // once interrupted, the shutdown hook deletes the sandbox and stops the controller: leave both to it
      if (!cleanup.aborted()) {
        TestWarren.Resp deleted = w.delete("/v1/sandboxes/" + id);
        if (deleted.status() != 204) {
          failures.add("deleting the previews section's sandbox " + id + ": " + deleted);
        }
        try {
          controller.close();
        } catch (Exception e) {
          failures.add("stopping the previews section's controller: " + e.getMessage());
        }
      }
    }
  }

  /** The direct and the proxied URL asked in turn, {@code warmup} pairs unrecorded first: [direct, proxied]. */
  private static Stats[] alternating(HttpClient http, String direct, String proxied, String token, String when, int warmup, int requests)
      throws java.io.IOException, InterruptedException {
    Stats.Series d = new Stats.Series("direct, " + when);
    Stats.Series p = new Stats.Series("proxy, " + when);
    for (int i = 0; i < warmup + requests; i++) {
      long dn = once(http, direct, Optional.empty());
      long pn = once(http, proxied, Optional.of(token));
      if (i >= warmup) {
        d.add(dn);
        p.add(pn);
      }
    }
    return new Stats[] {d.stats(), p.stats()};
  }

  /** One GET that must answer 200, timed in nanoseconds. */
  private static long once(HttpClient http, String url, Optional<String> token) throws java.io.IOException, InterruptedException {
    long t0 = System.nanoTime();
    HttpResponse<byte[]> r = http.send(get(url, token), HttpResponse.BodyHandlers.ofByteArray());
    long t1 = System.nanoTime();
    if (r.statusCode() != 200) {
      throw new IllegalStateException(url + " answered " + r.statusCode());
    }
    return t1 - t0;
  }

  private static HttpRequest get(String url, Optional<String> token) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(T);
    token.ifPresent(t -> b.header("Authorization", "Bearer " + t));
    return b.build();
  }

  private static void waitFor(HttpClient http, String url, Optional<String> token) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    String last = "";
    while (System.nanoTime() < deadline) {
      try {
        HttpResponse<String> r = http.send(get(url, token), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 200) {
          return;
        }
        last = r.statusCode() + " " + r.body();
      } catch (java.io.IOException e) {
        last = e.toString();
      }
      Thread.sleep(100);
    }
    throw new IllegalStateException(url + " did not answer 200 within 60 s: " + last);
  }

  private static Stats latency(HttpClient http, String url, Optional<String> token, String name, int warmup, int requests)
      throws java.io.IOException, InterruptedException {
    Stats.Series s = new Stats.Series(name);
    for (int i = 0; i < warmup + requests; i++) {
      long n = once(http, url, token);
      if (i >= warmup) {
        s.add(n);
      }
    }
    return s.stats();
  }

  private static double throughput(HttpClient http, String url, Optional<String> token) throws java.io.IOException, InterruptedException {
    double best = 0;
    for (int i = 0; i < DOWNLOADS; i++) {
      long t0 = System.nanoTime();
      HttpResponse<InputStream> r = http.send(get(url, token), HttpResponse.BodyHandlers.ofInputStream());
      long n = 0;
      try (InputStream in = r.body()) {
        byte[] buf = new byte[256 * 1024];
        for (int k; (k = in.read(buf)) >= 0; ) {
          n += k;
        }
      }
      double secs = (System.nanoTime() - t0) / 1e9;
      if (n != DOWNLOAD_MB * 1_000_000L) {
        throw new IllegalStateException(url + " gave " + n + " bytes");
      }
      best = Math.max(best, n / 1e6 / secs);
    }
    return best;
  }
}
