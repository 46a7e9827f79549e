package dev.warren.bench;

import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The live view of one headless 1280×720 browser session, watched by {@link LiveViewer} (decode,
 * then ack, as a page does): frames per second while the page animates; page change to frame
 * shown; opening a viewer to its first frame, cold (a fresh generation: new DevTools connection and
 * screencast) and warm (another viewer joining); and a sandbox restart to the view recovering.
 * Works in one browser session of its own, closed before the section returns, also on failure.
 */
final class LiveViewSection {
  static final Duration FPS_WINDOW = Duration.ofSeconds(10);
  static final int LATENCY_SAMPLES = 30;
  static final int COLD_OPENS = 5;
  static final int WARM_OPENS = 10;
  static final int RESTARTS = 5;
  private static final Duration T = Duration.ofSeconds(60);

  private LiveViewSection() {}

  /**
   * What the section measured; a part that did not run is empty.
   *
   * @param fps frames shown per second while the page animated, over {@link #FPS_WINDOW}
   */
  record Result(Optional<Double> fps, Optional<Double> producedFps, Optional<Stats> frameGaps, Optional<Double> meanFrameKb, Optional<Stats> latency,
      Optional<Stats> firstCold, Optional<Stats> firstWarm, Optional<Stats> recovery, List<Long> recoveryInOrder, List<String> failures) {
    Result {
      recoveryInOrder = List.copyOf(recoveryInOrder);
      failures = List.copyOf(failures);
    }
  }

  static boolean imageBuilt() {
    return Files.isDirectory(Path.of("/var/lib/warren/images/browser"));
  }

  static Result run(BenchWarren w, Cleanup cleanup) {
    Report.title("Live view of a browser session (screencast over WebSocket, a viewer that decodes each frame before its ack)");
    Report.note("load average at the start of the section: " + Machine.loadAverage());
    List<String> failures = new ArrayList<>();
    Parts p = new Parts();
    ApiClient api = ApiClient.open(w);
    cleanup.push("the live view section's HTTP client", api);
    String id = null;
    java.util.concurrent.atomic.AtomicBoolean deleted = new java.util.concurrent.atomic.AtomicBoolean();
    try {
      long t0 = System.nanoTime();
      var b = api.post("/v1/browsers", "{}", T).expect(201).json();
      id = b.path("id").asString();
      String browser = id;
      cleanup.push("the live view section's browser", () -> {
        if (deleted.compareAndSet(false, true)) {
          api.delete("/v1/browsers/" + browser, T);
        }
      });
      Report.note(String.format(Locale.ROOT, "browser session %s (1280x720, headless) ready in %.0f ms", id, (System.nanoTime() - t0) / 1e6));
      URI live = URI.create("ws://" + w.baseUri().getAuthority() + "/v1/browsers/" + id + "/live?viewer=bench&token=" + w.token());
      measure(api, id, b.path("sandboxId").asString(), live, p, failures);
    } catch (Cleanup.Aborted e) {
      throw e;
    } catch (RuntimeException e) {
      failures.add("live view section: " + e);
    } finally {
      if (id != null && !cleanup.aborted() && deleted.compareAndSet(false, true)) {
        try {
          api.delete("/v1/browsers/" + id, T);
        } catch (RuntimeException e) {
          failures.add("cannot close browser session " + id + ": " + e.getMessage());
        }
      }
    }
    Result r = new Result(Optional.ofNullable(p.fps), Optional.ofNullable(p.produced), Optional.ofNullable(p.gaps), Optional.ofNullable(p.kb), Optional.ofNullable(p.latency),
        Optional.ofNullable(p.cold), Optional.ofNullable(p.warm), Optional.ofNullable(p.recovery), p.recoveryInOrder, failures);
    print(r);
    Report.note("load average at the end of the section: " + Machine.loadAverage());
    return r;
  }

  /** What has been measured so far. */
  private static final class Parts {
    Double fps;
    Double produced;
    Stats gaps;
    Double kb;
    Stats latency;
    Stats cold;
    Stats warm;
    Stats recovery;
    final List<Long> recoveryInOrder = new ArrayList<>();
  }

  private static void measure(ApiClient api, String id, String sandbox, URI live, Parts p, List<String> failures) {
    String a = "/v1/browsers/" + id + "/actions/";
    // frames per second while a full-page canvas animates
    api.post(a + "navigate", ApiClient.field("url", dataUrl("<body style='margin:0;overflow:hidden'><canvas id=c width=1280 height=720>"
        + "</canvas><script>const c=document.getElementById('c').getContext('2d');let i=0;function f(){i++;"
        + "c.fillStyle='hsl('+(i*3%360)+',70%,50%)';c.fillRect(0,0,1280,720);c.fillStyle='#fff';c.fillRect((i*8)%1160,300,120,120);"
        + "requestAnimationFrame(f)}f()</script></body>")), T).expect(200);
    Report.note("frames per second while the page animates (running " + FPS_WINDOW.toSeconds() + " s)…");
    try (LiveViewer v = LiveViewer.open(live, 640, 360)) {
      v.await(0, s -> true, Duration.ofSeconds(10));
      sleep(1000);
      int start = v.count();
      long t0 = System.nanoTime();
      sleep(FPS_WINDOW.toMillis());
      List<LiveViewer.Shown> got = v.since(start);
      long wall = System.nanoTime() - t0;
      p.fps = got.size() / (wall / 1e9);
      // frames are numbered as Chromium sends them: the ones this viewer skipped were dropped for it
      p.produced = got.size() < 2 ? null : (got.getLast().seq() - got.getFirst().seq() + 1) / (wall / 1e9);
      List<Long> gaps = new ArrayList<>();
      long bytes = 0;
      for (int i = 1; i < got.size(); i++) {
        gaps.add(got.get(i).nanos() - got.get(i - 1).nanos());
      }
      for (LiveViewer.Shown s : got) {
        bytes += s.bytes();
      }
      p.gaps = Stats.of("gap between frames shown", gaps);
      p.kb = got.isEmpty() ? null : bytes / 1024.0 / got.size();
    }
    // page change (the page's wall clock, Date.now(): sandboxes share the host's clock) to the frame showing it (the
    // viewer's wall clock, after decoding); millisecond resolution
    api.post(a + "navigate", ApiClient.field("url", dataUrl("<body style='margin:0;background:rgb(0,0,0)'></body>")), T).expect(200);
    Report.note("page change to frame shown, " + LATENCY_SAMPLES + " colour changes…");
    try (LiveViewer v = LiveViewer.open(live, 640, 360)) {
      v.await(0, s -> true, Duration.ofSeconds(10));
      List<Long> lat = new ArrayList<>();
      for (int i = 0; i < LATENCY_SAMPLES; i++) {
        boolean red = i % 2 == 0;
        int before = v.count();
        var r = api.post(a + "evaluate", ApiClient.field("expression", "(() => { document.body.style.background = '" + (red ? "rgb(255,0,0)"
            : "rgb(0,0,0)") + "'; return Date.now(); })()"), T).expect(200).json();
        double changedMs = r.path("value").asDouble();
        LiveViewer.Shown s = v.await(Math.max(0, before - 1), f -> red ? ((f.rgb() >> 16) & 0xff) > 200 : ((f.rgb() >> 16) & 0xff) < 50,
            Duration.ofSeconds(10));
        double shownMs = s.at().toEpochMilli() + (s.at().getNano() % 1_000_000) / 1e6;
        lat.add(Math.max(0, Math.round((shownMs - changedMs) * 1e6)));
        sleep(200);
      }
      p.latency = Stats.of("page change to frame shown", lat);
    }
    // first frame: cold (a new generation), then warm (a second viewer while one watches)
    Report.note("first frame after opening a viewer: " + COLD_OPENS + " cold (after a browser restart), " + WARM_OPENS + " warm…");
    List<Long> cold = new ArrayList<>();
    for (int i = 0; i < COLD_OPENS; i++) {
      api.post("/v1/browsers/" + id + "/restart", "{}", T).expect(200);
      long t0 = System.nanoTime();
      try (LiveViewer v = LiveViewer.open(live, 640, 360)) {
        cold.add(v.await(0, s -> true, Duration.ofSeconds(20)).nanos() - t0);
      }
    }
    p.cold = Stats.of("first frame, cold", cold);
    List<Long> warm = new ArrayList<>();
    try (LiveViewer first = LiveViewer.open(live, 640, 360)) {
      first.await(0, s -> true, Duration.ofSeconds(20));
      for (int i = 0; i < WARM_OPENS; i++) {
        long t0 = System.nanoTime();
        try (LiveViewer v = LiveViewer.open(URI.create(live.toString().replace("viewer=bench", "viewer=warm")), 640, 360)) {
          warm.add(v.await(0, s -> true, Duration.ofSeconds(20)).nanos() - t0);
        }
      }
    }
    p.warm = Stats.of("first frame, warm", warm);
    // a sandbox restart under a viewer: until it shows a frame of the next generation
    Report.note("sandbox restart to the view recovering, " + RESTARTS + " restarts in a row…");
    List<Long> rec = new ArrayList<>();
    try (LiveViewer v = LiveViewer.open(live, 640, 360)) {
      v.await(0, s -> true, Duration.ofSeconds(20));
      for (int i = 0; i < RESTARTS; i++) {
        long gen = v.generation();
        int before = v.count();
        long t0 = System.nanoTime();
        api.post("/v1/sandboxes/" + sandbox + "/restart", "{}", T).expect(200);
        rec.add(v.await(before, s -> s.generation() > gen, Duration.ofSeconds(30)).nanos() - t0);
        p.recoveryInOrder.add(rec.getLast());
      }
    }
    p.recovery = Stats.of("sandbox restart to view recovered", rec);
  }

  private static void print(Result r) {
    List<Stats> rows = new ArrayList<>();
    r.latency().ifPresent(rows::add);
    r.firstCold().ifPresent(rows::add);
    r.firstWarm().ifPresent(rows::add);
    r.recovery().ifPresent(rows::add);
    r.frameGaps().ifPresent(rows::add);
    if (!rows.isEmpty()) {
      Report.latencies(rows);
    }
    r.fps().ifPresent(f -> Report.note(String.format(Locale.ROOT, "frames shown per second while animating: %.1f; Chromium sent %.1f/s "
        + "(mean frame %.0f KiB of JPEG)", f, r.producedFps().orElse(Double.NaN), r.meanFrameKb().orElse(Double.NaN))));
    if (!r.recoveryInOrder().isEmpty()) {
      Report.note("sandbox restart to view recovered, each restart in order (ms): "
          + String.join(", ", r.recoveryInOrder().stream().map(n -> Report.ms(n / 1e6)).toList()));
    }
    r.failures().forEach(f -> Report.note("FAILED: " + f));
  }

  static String dataUrl(String html) {
    return "data:text/html," + URLEncoder.encode(html, StandardCharsets.UTF_8).replace("+", "%20");
  }

  private static void sleep(long ms) {
    Cleanup.sleep(Duration.ofMillis(ms));
  }
}
