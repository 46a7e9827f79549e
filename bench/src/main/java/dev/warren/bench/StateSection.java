package dev.warren.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Sandbox state (issue 13): pause and resume of an idle and a busy sandbox beside {@code crun
 * pause}/{@code resume} ({@link PauseResume}), then snapshots and forks beside {@code cp -a} and
 * create-from-image ({@link SnapshotBench}). Everything it makes (sandboxes, snapshots, the floor's
 * containers, the copied trees) is deleted before it returns, or by the shutdown hook on Ctrl-C; the
 * host is counted before and after, as in the idle section.
 */
final class StateSection {

  private StateSection() {}

  /**
   * What the section measured; a part that failed or did not get to run is empty.
   *
   * @param floorLeftovers what the plain-crun floor left (empty when nothing)
   * @param leftovers what the section left on the host or in the controller (empty when nothing)
   */
  record Result(Optional<PauseResume.Result> pause, Optional<SnapshotBench.Result> snapshots, List<String> floorLeftovers,
      List<String> leftovers, List<String> failures) {}

  static Result run(BenchWarren w, Path dir, Options o, Cleanup cleanup) {
    Cleanup.Budget budget = cleanup.budget("the state section", o.sectionBudget());
    List<String> failures = new ArrayList<>();
    HostCensus before = w.census();
    ApiClient client = ApiClient.open(w);
    cleanup.push("the state section's HTTP client", client);
    StateApi api = new StateApi(client);
    cleanup.push("the state section's sandboxes and snapshots", api);
    FloorSection.Open floor = FloorSection.open(dir.resolve("state-floor"), cleanup);
    PauseResume.Result pause = null;
    SnapshotBench.Result snapshots = null;
    List<String> floorLeftovers = List.of();
    try {
      pause = PauseResume.run(api, floor.floor(), cleanup, budget);
      for (PauseResume.Measured m : pause.subjects()) {
        addIncomplete(failures, "pause and resume, " + m.name(), m.latencies());
      }
    } catch (Cleanup.Aborted e) {
      throw e;
    } catch (RuntimeException e) {
      failures.add("pause and resume: " + e);
    } finally {
      if (!cleanup.aborted()) {
        floorLeftovers = FloorSection.close(floor);
      }
    }
    try {
      snapshots = SnapshotBench.run(api, dir.resolve("state-copy"), cleanup, budget);
      snapshots.fromImage().ifPresent(l -> addIncomplete(failures, "create from image", l));
      snapshots.fromSnapshot().ifPresent(l -> addIncomplete(failures, "create from snapshot", l));
    } catch (Cleanup.Aborted e) {
      throw e;
    } catch (RuntimeException e) {
      failures.add("snapshots and forks: " + e);
    }
    if (cleanup.aborted()) {
      throw new Cleanup.Aborted();
    }
    Report.title("Sandbox state: clean-up");
    List<String> leftovers = new ArrayList<>();
    try {
      api.close();
    } catch (RuntimeException e) {
      leftovers.add("deleting what the section made: " + e.getMessage());
    }
    client.close();
    HostCensus after = w.census();
    HostCensus.print(List.of("before the section", "after it"), List.of(before, after));
    leftovers.addAll(after.growthSince(before));
    try (ApiClient check = ApiClient.open(w)) {
      StateApi lists = new StateApi(check);
      lists.listed("/v1/sandboxes", "sandboxes").filter(n -> n > 0).ifPresent(n -> leftovers.add(n + " sandboxes still listed by the API"));
      lists.listed("/v1/snapshots", "snapshots").filter(n -> n > 0).ifPresent(n -> leftovers.add(n + " snapshots still listed by the API"));
    }
    Report.note(leftovers.isEmpty() ? "nothing left behind: no sandbox or snapshot listed, every count back where it started"
        : "LEFT BEHIND: " + leftovers);
    return new Result(Optional.ofNullable(pause), Optional.ofNullable(snapshots), floorLeftovers, leftovers, failures);
  }

  private static void addIncomplete(List<String> failures, String what, Latencies l) {
    if (!l.complete()) {
      failures.add(what + ": " + l.failures() + " failure(s)" + l.cutShort().map(c -> ", " + c).orElse("")
          + l.errors().stream().findFirst().map(e -> "; first: " + e).orElse(""));
    }
  }
}
