package dev.warren.bench;

import dev.warren.host.Tool;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;
import tools.jackson.databind.JsonNode;

/**
 * Snapshots and forks through the API: a snapshot of a workspace of {@link #FILES} files of
 * {@link #FILE_BYTES} bytes (100 MiB) beside {@code cp -a} of the same tree on the data directory's
 * filesystem, and out of a loop-mounted ext4 image (as a sandbox's disk is) into it; create-from-snapshot beside create-from-image (create to first exec answered,
 * interleaved); a fork of {@link #FORK} beside as many sequential creates. The results are checked:
 * a sandbox from the snapshot has the workspace byte for byte, a fork makes {@link #FORK} sandboxes
 * that have its files. When the server has no snapshots (404 or 405 to the first snapshot call),
 * nothing else is measured and the result says why.
 */
final class SnapshotBench {
  static final int DIRS = 50;
  static final int FILES = 5000;
  static final int FILE_BYTES = 20_971;
  static final int SNAPSHOTS = 3;
  static final int CREATES = 10;
  static final int FORK = 10;
  static final String WORKSPACE = "/root/workspace";
  private static final String DIGEST = "cd " + WORKSPACE + " && find . -type f | wc -l && find . -type f -print0 | sort -z | xargs -0 cat"
      + " | sha256sum";
  private static final Duration CP_T = Duration.ofMinutes(5);

  private SnapshotBench() {}

  /**
   * What was measured; all empty but {@code unavailable} when the server has no snapshots.
   *
   * @param snapshot {@code POST …/snapshots} of the workspace, to its 201
   * @param sizeBytes the first snapshot's {@code sizeBytes}, when its body has one
   * @param copy {@code cp -a} of the same tree on the host
   * @param loopCopy {@code cp -a} of the same tree out of a loop-mounted ext4 image (where a
   *     sandbox's files are, on its disk) into the host's filesystem: the copy a snapshot makes
   */
  record Result(Optional<String> unavailable, Optional<Stats> snapshot, OptionalLong sizeBytes, Optional<Stats> copy,
      Optional<Stats> loopCopy, Optional<Latencies> fromImage, Optional<Latencies> fromSnapshot, OptionalLong forkNanos,
      OptionalLong sequentialNanos) {

    static Result unavailable(String why) {
      return new Result(Optional.of(why), Optional.empty(), OptionalLong.empty(), Optional.empty(), Optional.empty(), Optional.empty(),
          Optional.empty(), OptionalLong.empty(), OptionalLong.empty());
    }
  }

  private record Side(Latencies.Collector collector, String body, StateApi api) implements Interleaved.Side {
    @Override
    public void iterate(int i, boolean counted) {
      long t0 = System.nanoTime();
      String id = api.create(body);
      long t1 = System.nanoTime();
      api.execTrue(id);
      long t2 = System.nanoTime();
      api.delete(id);
      long t3 = System.nanoTime();
      if (counted) {
        collector.created(t1 - t0, t2 - t1);
        collector.deleted(t3 - t2);
      }
    }
  }

  static Result run(StateApi api, Path dir, Cleanup cleanup, Cleanup.Budget budget) {
    Report.title("Snapshots and forks: a workspace of " + FILES + " files, " + Report.mib((double) FILES * FILE_BYTES)
        + " MiB, beside cp -a of the same tree");
    String source = api.create("{}");
    // the first snapshot call, before the 100 MiB are written: a server without snapshots is known at once
    Timed<ApiClient.Answer> probe = op(cleanup, () -> timed(() -> api.snapshot(source, "bench-state-0")));
    if (probe.value().status() == 404 || probe.value().status() == 405) {
      String why = probe.value().status() + " " + problem(probe.value());
      Report.note("not measured (snapshots not available: " + why + ")");
      api.delete(source);
      return Result.unavailable(why);
    }
    String empty = probe.value().expect(201).json().path("id").asString();
    Report.note(String.format("snapshot %s of the sandbox as created (nothing changed yet, no target): %.0f ms", empty, probe.nanos() / 1e6));
    api.deleteSnapshot(empty);
    String digest = writeWorkspace(api, source, cleanup);
    budget.check();
    Timed<ApiClient.Answer> firstCall = op(cleanup, () -> timed(() -> api.snapshot(source, "bench-state-1")));
    ApiClient.Answer first = firstCall.value().expect(201);
    String snapshot = first.json().path("id").asString();
    JsonNode sizeField = first.json().path("sizeBytes");
    OptionalLong size = sizeField.isNumber() ? OptionalLong.of(sizeField.asLong()) : OptionalLong.empty();
    Report.note("snapshot " + snapshot + ": " + (size.isPresent() ? "sizeBytes " + size.getAsLong() + " (" + Report.mib(size.getAsLong())
        + " MiB)" : "no sizeBytes in its body") + "; " + first.body());

    Path tree = dir.resolve("src");
    writeTree(tree);
    // the same tree on a loop-mounted ext4 image, as a sandbox's files are on its disk
    Path disk = dir.resolve("floor-disk.img");
    Path mnt = dir.resolve("floor-disk");
    List<Long> snapshots = new ArrayList<>(List.of(firstCall.nanos()));
    List<Long> copies = new ArrayList<>();
    List<Long> loopCopies = new ArrayList<>();
    try {
      Tool.run(List.of("truncate", "-s", "512M", disk.toString()), CP_T).orThrow();
      Tool.run(List.of("mkfs.ext4", "-q", "-F", disk.toString()), CP_T).orThrow();
      Files.createDirectories(mnt);
      Tool.run(List.of("mount", "-o", "loop", disk.toString(), mnt.toString()), CP_T).orThrow();
      Tool.run(List.of("cp", "-a", tree.toString(), mnt.resolve("src").toString()), CP_T).orThrow();
      for (int i = 0; i < SNAPSHOTS; i++) {
        budget.check();
        Path copy = dir.resolve("copy-" + i);
        copies.add(op(cleanup, () -> timed(() -> Tool.run(List.of("cp", "-a", tree.toString(), copy.toString()), CP_T).orThrow())).nanos());
        CrunFloor.deleteTree(copy);
        loopCopies.add(op(cleanup, () -> timed(() -> Tool.run(List.of("cp", "-a", mnt.resolve("src").toString(), copy.toString()), CP_T)
            .orThrow())).nanos());
        CrunFloor.deleteTree(copy);
        if (i > 0) {
          String name = "bench-state-" + (i + 1);
          Timed<ApiClient.Answer> a = op(cleanup, () -> timed(() -> api.snapshot(source, name)));
          a.value().expect(201);
          snapshots.add(a.nanos());
          api.deleteSnapshot(a.value().json().path("id").asString());
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot make the loop-mounted floor disk at " + mnt, e);
    } finally {
      CrunFloor.deleteTree(tree);
      if (Files.isDirectory(mnt)) {
        Tool.run(List.of("umount", mnt.toString()), CP_T);
        CrunFloor.deleteTree(mnt);
      }
      try {
        Files.deleteIfExists(disk);
      } catch (IOException e) {
        Report.note("cannot remove " + disk + ": " + e.getMessage());
      }
    }
    Stats snap = Stats.of("POST …/snapshots", snapshots);
    Stats copy = Stats.of("cp -a (host, same filesystem)", copies);
    Stats loopCopy = Stats.of("cp -a (loop ext4 -> host)", loopCopies);
    Report.latencies(List.of(snap, copy, loopCopy));

    budget.check();
    String digestFrom = op(cleanup, () -> {
      String id = api.create(ApiClient.field("snapshot", snapshot));
      String d = api.exec(id, DIGEST, 120).path("stdout").asString().strip();
      api.delete(id);
      return d;
    });
    if (!digestFrom.equals(digest)) {
      throw new IllegalStateException("a sandbox from " + snapshot + " does not have the workspace: " + digestFrom + ", expected " + digest);
    }
    Report.note("a sandbox from the snapshot has the same " + FILES + " files, byte for byte");

    Side image = new Side(new Latencies.Collector("from image: create", "from image: first exec", "from image: create + exec",
        "from image: delete"), "{}", api);
    Side fromSnapshot = new Side(new Latencies.Collector("from snapshot: create", "from snapshot: first exec",
        "from snapshot: create + exec", "from snapshot: delete"), ApiClient.field("snapshot", snapshot), api);
    Interleaved.run(List.of(image, fromSnapshot), 1, CREATES, 3, cleanup, budget);
    Latencies li = image.collector().result();
    Latencies ls = fromSnapshot.collector().result();
    Report.note("create (to 201) then exec `true` then delete, " + CREATES + " each after 1 warm-up, interleaved:");
    Report.latencies(List.of(li.total(), ls.total(), li.create(), ls.create(), li.delete(), ls.delete()));
    li.errors().forEach(e -> Report.note("from image: " + e));
    ls.errors().forEach(e -> Report.note("from snapshot: " + e));

    budget.check();
    long sequential = op(cleanup, () -> sequentialCreates(api));
    long fork = op(cleanup, () -> fork(api, source));
    Report.line("   fork of %d (POST …/fork, to its 201): %.0f ms; %d sequential creates from the image (each to its 201): %.0f ms",
        FORK, fork / 1e6, FORK, sequential / 1e6);
    api.delete(source);
    api.deleteSnapshot(snapshot);
    // the fork's own snapshot: deleted by StateApi.close with the rest, or already collected (404)
    return new Result(Optional.empty(), Optional.of(snap), size, Optional.of(copy), Optional.of(loopCopy), Optional.of(li), Optional.of(ls),
        OptionalLong.of(fork), OptionalLong.of(sequential));
  }

  /** Writes the workspace in {@code source} with one exec; the file count and the sha256 of their contents, as {@link #DIGEST} prints them. */
  private static String writeWorkspace(StateApi api, String source, Cleanup cleanup) {
    long t0 = System.nanoTime();
    String fill = "mkdir -p " + WORKSPACE + " && cd " + WORKSPACE + " && for d in $(seq 1 " + DIRS + "); do mkdir d$d && head -c "
        + (long) FILE_BYTES * FILES / DIRS + " /dev/urandom | split -b " + FILE_BYTES + " -d -a 3 - d$d/f || exit 1; done && " + DIGEST;
    String digest = op(cleanup, () -> api.exec(source, fill, 600).path("stdout").asString().strip());
    Report.note(String.format("sandbox %s: workspace written in %.1f s (one exec: head -c … /dev/urandom | split, %d directories); "
        + "files and sha256 of their contents: %s", source, (System.nanoTime() - t0) / 1e9, DIRS, digest.replace('\n', ' ')));
    if (!digest.startsWith(FILES + "\n")) {
      throw new IllegalStateException("the workspace of " + source + " has not " + FILES + " files: " + digest);
    }
    return digest;
  }

  /** The wall time of {@link #FORK} creates from the image, one after the other, held until the last is made. */
  private static long sequentialCreates(StateApi api) {
    List<String> ids = new ArrayList<>();
    long s0 = System.nanoTime();
    for (int i = 0; i < FORK; i++) {
      ids.add(api.create("{}"));
    }
    long wall = System.nanoTime() - s0;
    ids.forEach(api::delete);
    return wall;
  }

  /** The wall time of a fork of {@link #FORK}; checks that one of them has the workspace, then deletes them. */
  private static long fork(StateApi api, String source) {
    long s0 = System.nanoTime();
    List<String> ids = api.fork(source, FORK);
    long wall = System.nanoTime() - s0;
    String counted = api.exec(ids.getLast(), "find " + WORKSPACE + " -type f | wc -l", 60).path("stdout").asString().strip();
    if (!counted.equals(Integer.toString(FILES))) {
      throw new IllegalStateException("sandbox " + ids.getLast() + " of the fork has " + counted + " files in " + WORKSPACE + ", expected "
          + FILES);
    }
    ids.forEach(api::delete);
    return wall;
  }

  /** The {@code detail} of a problem answer, else its body cut to 200 characters. */
  private static String problem(ApiClient.Answer a) {
    try {
      String detail = a.json().path("detail").asString();
      if (!detail.isEmpty()) {
        return detail;
      }
    } catch (RuntimeException e) {
      // not JSON: the body as it is
    }
    return a.body().length() > 200 ? a.body().substring(0, 200) + "…" : a.body().strip();
  }

  /** A value and how long it took to get, in nanoseconds. */
  private record Timed<T>(T value, long nanos) {}

  private static <T> Timed<T> timed(Supplier<T> call) {
    long t0 = System.nanoTime();
    T value = call.get();
    return new Timed<>(value, System.nanoTime() - t0);
  }

  /** Runs {@code call} as an operation in flight, which an interrupt waits for before it cleans up. */
  private static <T> T op(Cleanup cleanup, Supplier<T> call) {
    try (Cleanup.Op o = cleanup.begin()) {
      return call.get();
    }
  }

  /** The host's copy of the workspace: the same shape, random bytes of its own. */
  private static void writeTree(Path root) {
    byte[] data = new byte[FILE_BYTES];
    try {
      for (int d = 1; d <= DIRS; d++) {
        Path sub = Files.createDirectories(root.resolve("d" + d));
        for (int f = 1; f <= FILES / DIRS; f++) {
          ThreadLocalRandom.current().nextBytes(data);
          Files.write(sub.resolve(String.format("f%03d", f - 1)), data);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the copy's source tree under " + root, e);
    }
  }
}
