package dev.warren.bench;

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
 * {@link #WARMUP} requests of each path, the steady state a running agent's app sees.
 */
final class PreviewSection {
  static final int REQUESTS = 300;
  static final int WARMUP = 1000;
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

  static Result run(BenchWarren w, Cleanup cleanup) throws InterruptedException {
    Report.title("Preview proxy: a sandbox's port through Warren, beside the sandbox's address directly");
    List<String> failures = new ArrayList<>();
    ApiClient api = ApiClient.open(w);
    cleanup.push("the previews section's HTTP client", api);
    var created = api.post("/v1/sandboxes", "{}", T).expect(201).json();
    String id = created.path("id").asString();
    java.util.concurrent.atomic.AtomicBoolean deleted = new java.util.concurrent.atomic.AtomicBoolean();
    AutoCloseable sandbox = () -> {
      if (deleted.compareAndSet(false, true)) {
        api.delete("/v1/sandboxes/" + id, T);
      }
    };
    cleanup.push("the previews section's sandbox " + id, sandbox);
    try {
      String address = created.path("address").asString();
      byte[] app;
      try (InputStream in = PreviewSection.class.getResourceAsStream("/preview/app.py")) {
        app = in.readAllBytes();
      }
      HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10)).build();
      HttpResponse<String> put = http.send(HttpRequest.newBuilder(w.baseUri().resolve("/v1/sandboxes/" + id + "/files?path=/tmp/app.py"))
          .header("Authorization", "Bearer " + w.token()).PUT(HttpRequest.BodyPublishers.ofByteArray(app)).build(),
          HttpResponse.BodyHandlers.ofString());
      if (put.statusCode() != 204) {
        throw new IllegalStateException("uploading the app answered " + put.statusCode() + ": " + put.body());
      }
      api.post("/v1/sandboxes/" + id + "/exec", ApiClient.field("command", "nohup python3 /tmp/app.py 8000 >/dev/null 2>&1 & echo started"), T)
          .expect(200);
      String proxied = w.baseUri() + "/v1/sandboxes/" + id + "/ports/8000";
      String direct = "http://" + address + ":8000";
      waitFor(http, direct + "/ready", Optional.empty());
      waitFor(http, proxied + "/ready", Optional.of(w.token()));
      Stats dCold = latency(http, direct + "/hello", Optional.empty(), "direct, first " + COLD, 0, COLD);
      Stats pCold = latency(http, proxied + "/hello", Optional.of(w.token()), "proxy, first " + COLD, 0, COLD);
      Stats d = latency(http, direct + "/hello", Optional.empty(), "direct " + address + ":8000", WARMUP, REQUESTS);
      Stats p = latency(http, proxied + "/hello", Optional.of(w.token()), "through the preview proxy", WARMUP, REQUESTS);
      Stats api0 = latency(http, w.baseUri() + "/v1/sandboxes/" + id, Optional.of(w.token()), "for scale: GET /v1/sandboxes/{id}", WARMUP,
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
      // once interrupted, the shutdown hook deletes the sandbox with this client: leave both to it
      if (!cleanup.aborted()) {
        try {
          sandbox.close();
        } catch (Exception e) {
          failures.add("deleting the previews section's sandbox " + id + ": " + e.getMessage());
        }
        api.close();
      }
    }
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
      long t0 = System.nanoTime();
      HttpResponse<byte[]> r = http.send(get(url, token), HttpResponse.BodyHandlers.ofByteArray());
      long t1 = System.nanoTime();
      if (r.statusCode() != 200) {
        throw new IllegalStateException(url + " answered " + r.statusCode());
      }
      if (i >= warmup) {
        s.add(t1 - t0);
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
