package dev.warren.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The summary lines of the browsers section: p50 create-to-CDP-ready at most 1 s cold and at
 * most 100 ms from the warm pool, at most 200 MiB PSS for every idle session, the concurrent
 * sessions each fully independent, and nothing left behind; the host Chromium floor and the
 * concurrent wall time without a target.
 */
final class BrowserVerdicts {
  private BrowserVerdicts() {}

  static List<Boolean> of(BrowserSection.Result r) {
    List<Boolean> verdicts = new ArrayList<>();
    String cold = "browser p50 create-to-CDP-ready <= 1.0 s, cold";
    Optional<Stats> c = r.cold().map(Latencies::total).filter(s -> s.n() > 0);
    Optional<Stats> f = r.floor().map(Latencies::total).filter(s -> s.n() > 0);
    if (c.isPresent()) {
      verdicts.add(Summary.verdict(c.get().p50() <= Summary.TARGET_BROWSER_COLD_P50_MS, cold, Summary.fmt("%.0f ms (p95 %.0f ms, n=%d)",
          c.get().p50(), c.get().p95(), c.get().n())));
    } else {
      Report.verdict(null, cold, "not measured");
    }
    if (c.isPresent() && f.isPresent()) {
      Report.verdict(null, "browser cold / host Chromium launch-to-CDP-ready (p50; no target)", Summary.fmt("%.2fx (Warren %.0f ms / "
          + "host Chromium %.0f ms, p95 %.0f ms)", c.get().p50() / f.get().p50(), c.get().p50(), f.get().p50(), f.get().p95()));
    }
    String warm = "browser p50 create-to-CDP-ready <= 100 ms, warm pool";
    Optional<BrowserLatency.Warm> w = r.warm().filter(x -> x.latencies().total().n() > 0);
    if (w.isPresent()) {
      Stats s = w.get().latencies().total();
      verdicts.add(Summary.verdict(s.p50() <= Summary.TARGET_BROWSER_WARM_P50_MS, warm, Summary.fmt("%.1f ms (p95 %.1f ms, n=%d, %d from "
          + "the pool of %d)", s.p50(), s.p95(), s.n(), w.get().fromPool(), r.poolSize())));
    } else {
      Report.verdict(null, warm, "not measured");
    }
    String pss = "<= 200 MiB PSS per idle browser session (every session)";
    Optional<BrowserMemory.Result> m = r.memory().filter(x -> !x.sessions().isEmpty());
    if (m.isPresent()) {
      Stats p = m.get().pss();
      double maxMib = p.raw(1.0) / (1024.0 * 1024.0);
      String floor = m.get().floor().isEmpty() ? "" : Summary.fmt("; host Chromium mean %s MiB", Report.mib(m.get().floorPss().rawMean()));
      verdicts.add(Summary.verdict(maxMib <= Summary.TARGET_BROWSER_PSS_MIB, pss, Summary.fmt("max %s MiB, mean %s MiB (n=%d; memcg mean %s MiB)%s",
          Report.mib(p.raw(1.0)), Report.mib(p.rawMean()), p.n(), Report.mib(m.get().memcg().rawMean()), floor)));
    } else {
      Report.verdict(null, pss, "not measured");
    }
    Optional<BrowserConcurrent.Result> k = r.concurrent();
    String independent = k.map(x -> x.requested() + " concurrent browser sessions, each fully independent")
        .orElse("concurrent browser sessions, each fully independent");
    if (k.isPresent()) {
      BrowserConcurrent.Result x = k.get();
      boolean ok = x.loaded() == x.requested() && x.independence().map(Independence.Findings::independent).orElse(false);
      String facts = x.independence().map(i -> Summary.fmt("%d/%d loaded the page; distinct: %d sandboxes, %d Chromium PIDs, %d profile "
          + "dirs; %d/%d saw only their own storage", x.loaded(), x.requested(), i.sandboxes(), i.chromiumPids(), i.profileDirs(),
          i.storageOwnOnly(), i.sessions())).orElse(x.loaded() + "/" + x.requested() + " loaded the page; independence not checked");
      verdicts.add(Summary.verdict(ok, independent, facts));
      String wall = Summary.fmt("wall %.2f s, per session p50 %.0f ms, p95 %.0f ms", x.wallNanos() / 1e9, x.total().p50(), x.total().p95());
      String floor = x.floor().map(fl -> Summary.fmt("; host Chromium wall %.2f s, p50 %.0f ms", fl.wallNanos() / 1e9, fl.total().p50()))
          .orElse("");
      Report.verdict(null, x.requested() + " concurrent browser sessions loading a page (no target)", wall + floor);
    } else {
      Report.verdict(null, independent, "not measured");
    }
    if (r.cold().isPresent()) {
      verdicts.add(Summary.verdict(r.leftovers().isEmpty(), "the browsers section left nothing behind",
          r.leftovers().isEmpty() ? "nothing left" : r.leftovers().toString()));
    }
    return verdicts;
  }
}
