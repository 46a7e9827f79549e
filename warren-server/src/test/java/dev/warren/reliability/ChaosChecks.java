package dev.warren.reliability;

import dev.warren.testing.TestWarren;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import tools.jackson.databind.JsonNode;

/**
 * Compares what a controller shows after a chaos run with what its clients were told
 * ({@link ChaosLedger}): acknowledged creates lost or not running, acknowledged deletes back,
 * creates that made two sandboxes, sandboxes nobody asked for, counters that went back, file
 * writes lost, browsers left open. Read-only; called once the clients have stopped and the
 * controller is ready.
 */
final class ChaosChecks {
  /** The findings; every list empty when all is well. */
  record Found(List<String> lost, List<String> resurrected, List<String> duplicates, List<String> notRunning, List<String> strays,
      List<String> counterRegressions, List<String> lostWrites, List<String> browserProblems, List<String> answerLost, int sdkAcrossKills) {}

  private ChaosChecks() {}

  static Found run(TestWarren w, ChaosLedger ledger, Set<String> population, List<long[]> kills) {
    Map<String, JsonNode> all = new HashMap<>();
    Map<String, List<String>> byOp = new HashMap<>();
    for (JsonNode s : w.get("/v1/sandboxes").json().path("sandboxes")) {
      String id = s.path("id").asString();
      all.put(id, s);
      String op = s.path("labels").path("chaos-op").asString("");
      if (!op.isEmpty()) {
        byOp.computeIfAbsent(op, k -> new ArrayList<>()).add(id);
      }
    }
    Found f = new Found(new ArrayList<>(), new ArrayList<>(), new ArrayList<>(), new ArrayList<>(), new ArrayList<>(), new ArrayList<>(),
        new ArrayList<>(), new ArrayList<>(), new ArrayList<>(), sdkAcrossKills(ledger, kills));
    Set<String> knownOps = new java.util.HashSet<>();
    for (ChaosLedger.Create c : ledger.creates()) {
      knownOps.add(c.op());
      List<String> made = byOp.getOrDefault(c.op(), List.of());
      if (made.size() > 1) {
        f.duplicates().add(c.op() + " (" + c.via() + ") made " + made);
      }
      if (c.id().isEmpty()) {
        made.forEach(id -> f.strays().add(id + ": made by a create whose client gave up (" + c.error().orElse("") + ")"));
        continue;
      }
      String id = c.id().get();
      if (c.answerLost()) {
        f.answerLost().add(c.op().substring(0, 8) + "→" + id + (made.size() > 1 ? " (" + made.size() + " sandboxes!)" : ""));
      }
      if (ledger.wasDeleted(id)) {
        continue;
      }
      JsonNode s = all.get(id);
      if (s == null && ledger.deleteWasAttempted(id)) {
        continue; // a delete answered with an error, then finished (settled) by the controller
      }
      if (s == null) {
        f.lost().add(id + " (" + c.via() + (c.answerLost() ? ", answer lost once" : "") + ")");
      } else if (!s.path("state").asString().equals("running")) {
        f.notRunning().add(id + " " + s.path("state").asString() + ": " + s.path("stateReason").asString(""));
      }
    }
    for (String id : ledger.deletedIds()) {
      if (all.containsKey(id)) {
        f.resurrected().add(id + " " + all.get(id).path("state").asString());
      }
    }
    Set<String> homes = ledger.homes();
    all.forEach((id, s) -> {
      JsonNode labels = s.path("labels");
      // "chaos": the run's own (population, homes, probes, victims); "warren.browser": checked below
      boolean known = population.contains(id) || homes.contains(id) || knownOps.contains(labels.path("chaos-op").asString(""))
          || labels.has("chaos") || labels.has("warren.browser");
      if (!known) {
        f.strays().add(id + " " + s.path("state").asString() + " " + labels);
      }
    });
    counters(w, ledger, f.counterRegressions());
    writes(w, ledger, f.lostWrites());
    browsers(w, ledger, all, f.browserProblems());
    return f;
  }

  private static int sdkAcrossKills(ChaosLedger ledger, List<long[]> kills) {
    return (int) ledger.creates().stream().filter(c -> c.via().equals("sdk") && kills.stream().anyMatch(k -> c.spans(k[0], k[1]))).count();
  }

  private static void counters(TestWarren w, ChaosLedger ledger, List<String> out) {
    for (ChaosLedger.Counter c : ledger.counters()) {
      synchronized (c) {
        out.addAll(c.regressions);
        TestWarren.Resp r = w.post("/v1/sandboxes/" + c.sandboxId + "/sessions/" + c.sessionId + "/commands",
            "{\"command\": \"echo ${n:-0}\"}");
        if (r.status() != 200) {
          out.add("session " + c.sessionId + " cannot be read: " + r);
          continue;
        }
        long now = Long.parseLong(r.json().path("stdout").asString().strip());
        if (now < c.last()) {
          out.add("session " + c.sessionId + " counts " + now + ", below its last acknowledged " + c.last());
        } else if (now > c.last() + c.unanswered) {
          out.add("session " + c.sessionId + " counts " + now + ": more than " + c.last() + " acknowledged + " + c.unanswered + " unanswered");
        }
      }
    }
  }

  private static void writes(TestWarren w, ChaosLedger ledger, List<String> out) {
    ledger.writes().forEach((where, content) -> {
      int colon = where.indexOf(':');
      String id = where.substring(0, colon);
      String path = where.substring(colon + 1);
      TestWarren.Resp r = w.get("/v1/sandboxes/" + id + "/files?path=" + path);
      if (r.status() != 200 || !r.text().equals(content)) {
        out.add(id + ":" + path + " answered " + r.status() + (r.status() == 200 ? " with other content" : ""));
      }
    });
  }

  private static void browsers(TestWarren w, ChaosLedger ledger, Map<String, JsonNode> sandboxes, List<String> out) {
    Set<String> open = new java.util.HashSet<>(ledger.browsersMade());
    open.removeAll(ledger.browsersClosed());
    Set<String> live = new java.util.HashSet<>();
    for (JsonNode b : w.get("/v1/browsers").json().path("browsers")) {
      String id = b.path("id").asString();
      live.add(id);
      if (!open.contains(id)) {
        out.add("browser " + id + " " + b.path("state").asString() + " is open, and no client holds it");
      }
    }
    for (String id : ledger.browsersClosed()) {
      if (live.contains(id)) {
        out.add("browser " + id + " was closed, and is open again");
      }
    }
    sandboxes.forEach((id, s) -> {
      String owner = s.path("labels").path("warren.browser").asString("");
      if (!owner.isEmpty() && !live.contains(owner)) {
        out.add("sandbox " + id + " of browser " + owner + ", which is not open");
      }
    });
  }
}
