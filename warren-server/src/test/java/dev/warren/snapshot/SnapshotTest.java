package dev.warren.snapshot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warren.testing.HostState;
import dev.warren.testing.TestWarren;
import dev.warren.testing.WarrenFixture;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import tools.jackson.databind.JsonNode;

/**
 * Snapshots and forks through the API on real crun and overlayfs: a snapshot keeps every kind of
 * change (files, modes, owners, symlinks, xattrs, deletions, replaced directories) after its source
 * is gone, forks start from the same state and then go their own ways, layers stack and flatten,
 * and a snapshot in use cannot be deleted; unused layers are removed. A stopped sandbox is
 * snapshot and forked as it was left, and stays stopped. A layer is fsynced, then its directory,
 * before the snapshot is answered.
 */
class SnapshotTest {
  /** Every kind of change a sandbox makes to its image and to its own files. */
  static final String CHANGES = String.join("\n",
      "set -e",
      "mkdir -p /workspace/d",
      "printf hello > /workspace/d/f",
      "chmod 640 /workspace/d/f",
      "chown 1000:2000 /workspace/d/f",
      "ln -s d/f /workspace/link",
      "python3 -c \"import os; os.setxattr('/workspace/d/f', 'user.note', b'kept')\"",
      "cp /usr/bin/true /workspace/suid && chmod 4755 /workspace/suid",
      "mkfifo /workspace/fifo",
      "rm /usr/bin/yes",
      "rm -rf /etc/apt && mkdir /etc/apt && echo new > /etc/apt/only");

  /** What a sandbox shows of those changes. */
  static final String FINGERPRINT = String.join("; ",
      "stat -c '%n %a %u %g %F %s' /workspace/d/f /workspace/link /workspace/suid /workspace/fifo",
      // a directory's size is its filesystem's business
      "stat -c '%n %a %u %g %F' /workspace/d",
      "readlink /workspace/link",
      "cat /workspace/link; echo",
      "python3 -c \"import os; print(os.getxattr('/workspace/d/f', 'user.note'))\"",
      "ls -A /etc/apt",
      "test -e /usr/bin/yes && echo yes-there || echo yes-gone",
      "test -e /usr/bin/true && echo true-there");

  @RegisterExtension
  static final WarrenFixture fixture = WarrenFixture.plain();

  @Test
  void snapshotKeepsEveryKindOfChangeAfterItsSourceIsDeleted() throws Exception {
    TestWarren warren = fixture.server();
    String source = warren.createSandbox("{}");
    assertThat(warren.exec(source, CHANGES).path("exitCode").asInt()).isZero();
    String before = stdout(warren, source, FINGERPRINT);
    assertThat(before).contains("/workspace/d/f 640 1000 2000 regular file 5", "/workspace/suid 4755 0 0", "fifo",
        "hello\n", "b'kept'", "yes-gone", "true-there").containsPattern("(?m)^only$");

    long t0 = System.nanoTime();
    TestWarren.Resp made = warren.post("/v1/sandboxes/" + source + "/snapshots", "{\"name\": \"every-change\", \"labels\": {\"t\": \"1\"}}");
    double snapMs = (System.nanoTime() - t0) / 1e6;
    assertThat(made.status()).as("%s", made).isEqualTo(201);
    JsonNode snap = made.json();
    String id = snap.path("id").asString();
    assertThat(id).startsWith("snap_");
    assertThat(snap.path("name").asString()).isEqualTo("every-change");
    assertThat(snap.path("memory").asBoolean(true)).isFalse();
    assertThat(snap.path("depth").asInt()).isEqualTo(1);
    assertThat(snap.path("image").asString()).isEqualTo("base");
    assertThat(snap.path("sandboxId").asString()).isEqualTo(source);
    // a sandbox with a disk is captured block by block: its layer is an image named after the snapshot
    assertThat(snap.path("layer").asString()).isEqualTo(id);
    assertThat(snap.path("sizeBytes").asLong()).isGreaterThan(5);
    assertThat(warren.get("/v1/sandboxes/" + source).json().path("state").asString()).isEqualTo("running");
    assertThat(HostState.frozen(source)).as("thawed after the snapshot").isFalse();
    assertThat(warren.get("/v1/snapshots/every-change").json().path("id").asString()).isEqualTo(id);
    assertThat(warren.get("/v1/snapshots?label=t=1").json().path("snapshots")).hasSize(1);
    // the layer is root's alone on the host
    Path layers = warren.dataDir().resolve("layers");
    assertThat(Files.getPosixFilePermissions(layers)).hasToString("[OWNER_READ, OWNER_WRITE, OWNER_EXECUTE]");
    Path image = layers.resolve(id + ".img");
    assertThat(Files.isRegularFile(image)).isTrue();
    assertThat(Files.getPosixFilePermissions(image)).hasToString("[OWNER_READ, OWNER_WRITE]");

    assertThat(warren.delete("/v1/sandboxes/" + source).status()).isEqualTo(204);
    long t1 = System.nanoTime();
    TestWarren.Resp clone = warren.post("/v1/sandboxes", "{\"snapshot\": \"every-change\"}");
    double fromSnapMs = (System.nanoTime() - t1) / 1e6;
    assertThat(clone.status()).as("%s", clone).isEqualTo(201);
    assertThat(clone.json().path("snapshot").asString()).isEqualTo(id);
    assertThat(clone.json().path("image").asString()).isEqualTo("base");
    String copy = clone.json().path("id").asString();
    // owners are those the source saw (1000:2000 above), though the layer holds the source's host uids
    assertThat(stdout(warren, copy, FINGERPRINT)).isEqualTo(before);
    // the image is mounted once on the host, read-only, for every sandbox over it
    assertThat(mountsUnder(layers)).containsExactly(layers.resolve(id + ".mnt").toString());
    // its writes go to its own upper layer: the snapshot is not written
    warren.exec(copy, "echo changed > /workspace/d/f; rm /workspace/link");
    String again = warren.createSandbox("{\"snapshot\": \"" + id + "\"}");
    assertThat(stdout(warren, again, FINGERPRINT)).isEqualTo(before);
    long t2 = System.nanoTime();
    String plain = warren.createSandbox("{}");
    double fromImageMs = (System.nanoTime() - t2) / 1e6;
    System.out.printf("snapshot of a small workspace: %.0f ms (%s); create from the snapshot %.0f ms, from the image %.0f ms%n", snapMs,
        createdEvent(warren, id), fromSnapMs, fromImageMs);

    TestWarren.Resp refused = warren.delete("/v1/snapshots/" + id);
    assertThat(refused.status()).isEqualTo(409);
    assertThat(refused.text()).contains(copy, again);
    for (String s : List.of(copy, again, plain)) {
      warren.delete("/v1/sandboxes/" + s);
    }
    assertThat(warren.delete("/v1/snapshots/every-change").status()).isEqualTo(204);
    assertThat(warren.get("/v1/snapshots/" + id).status()).isEqualTo(404);
    assertThat(entries(layers)).as("layers left").isEmpty();
    assertThat(mountsUnder(layers)).as("layer mounts left").isEmpty();
    assertThat(dev.warren.host.LoopDevices.backingFiles().values()).as("loop devices left").noneMatch(f -> f.startsWith(layers + "/"));
  }

  @Test
  void forkOfFiveSeesTheStateThenEachGoesItsOwnWay() throws Exception {
    TestWarren warren = fixture.server();
    String source = warren.createSandbox("{\"labels\": {\"role\": \"source\"}}");
    warren.exec(source, "echo 42 > /workspace/state; rm /etc/issue");
    long t0 = System.nanoTime();
    TestWarren.Resp forked = warren.post("/v1/sandboxes/" + source + "/fork", "{\"count\": 5, \"labels\": {\"branch\": \"try\"}}");
    double forkMs = (System.nanoTime() - t0) / 1e6;
    assertThat(forked.status()).as("%s", forked).isEqualTo(201);
    JsonNode snap = forked.json().path("snapshot");
    List<String> forks = new ArrayList<>();
    forked.json().path("sandboxes").forEach(s -> forks.add(s.path("id").asString()));
    assertThat(forks).hasSize(5).doesNotHaveDuplicates().doesNotContain(source);
    System.out.printf("fork of 5: %.0f ms%n", forkMs);
    for (JsonNode s : forked.json().path("sandboxes")) {
      assertThat(s.path("state").asString()).isEqualTo("running");
      assertThat(s.path("snapshot").asString()).isEqualTo(snap.path("id").asString());
      assertThat(s.path("labels").path("branch").asString()).isEqualTo("try");
      assertThat(s.path("labels").path("role").asString()).isEqualTo("source");
    }
    assertThat(HostState.frozen(source)).isFalse();
    for (String f : forks) {
      assertThat(stdout(warren, f, "cat /workspace/state; test -e /etc/issue || echo issue-gone")).isEqualTo("42\nissue-gone\n");
      warren.exec(f, "echo " + f + " > /workspace/state; echo " + f + " > /workspace/mine");
    }
    warren.exec(source, "echo 43 > /workspace/state");
    for (String f : forks) {
      assertThat(stdout(warren, f, "cat /workspace/state /workspace/mine; ls /workspace")).isEqualTo(f + "\n" + f + "\nmine\nstate\n");
    }
    assertThat(stdout(warren, source, "cat /workspace/state; ls /workspace")).isEqualTo("43\nstate\n");

    // the fork's snapshot lives while its sandboxes do, then is collected with its layer
    assertThat(warren.get("/v1/snapshots").json().path("snapshots").toString()).contains(snap.path("id").asString());
    assertThat(warren.delete("/v1/snapshots/" + snap.path("id").asString()).status()).isEqualTo(409);
    for (String f : forks) {
      warren.delete("/v1/sandboxes/" + f);
    }
    assertThat(warren.get("/v1/snapshots").json().path("snapshots").toString()).doesNotContain(snap.path("id").asString());
    assertThat(entries(warren.dataDir().resolve("layers"))).isEmpty();
    assertThat(mountsUnder(warren.dataDir().resolve("layers"))).isEmpty();
    warren.delete("/v1/sandboxes/" + source);
  }

  @Test
  void aStoppedSandboxIsSnapshotAndForkedAsItWasLeftAndStaysStopped() throws Exception {
    TestWarren warren = fixture.server();
    String source = warren.createSandbox("{}");
    assertThat(warren.exec(source, "echo written-before-the-stop > /workspace/f; rm /etc/issue").path("exitCode").asInt()).isZero();
    assertThat(warren.post("/v1/sandboxes/" + source + "/stop", null).json().path("state").asString()).isEqualTo("stopped");
    Path dir = warren.dataDir().resolve("sandboxes").resolve(source);

    TestWarren.Resp made = warren.post("/v1/sandboxes/" + source + "/snapshots", "{\"name\": \"of-a-stopped-one\"}");
    assertThat(made.status()).as("%s", made).isEqualTo(201);
    String snap = made.json().path("id").asString();
    assertThat(made.json().path("sandboxId").asString()).isEqualTo(source);
    // nothing was started or mounted for it: it is as it was left
    assertThat(warren.get("/v1/sandboxes/" + source).json().path("state").asString()).isEqualTo("stopped");
    assertThat(mountsUnder(dir)).as("mounts of the stopped sandbox").isEmpty();
    String check = "cat /workspace/f; test -e /etc/issue || echo issue-gone";
    String copy = warren.createSandbox("{\"snapshot\": \"of-a-stopped-one\"}");
    assertThat(stdout(warren, copy, check)).isEqualTo("written-before-the-stop\nissue-gone\n");

    TestWarren.Resp forked = warren.post("/v1/sandboxes/" + source + "/fork", "{\"count\": 2}");
    assertThat(forked.status()).as("%s", forked).isEqualTo(201);
    List<String> forks = new ArrayList<>();
    for (JsonNode f : forked.json().path("sandboxes")) {
      assertThat(f.path("state").asString()).isEqualTo("running");
      forks.add(f.path("id").asString());
      assertThat(stdout(warren, f.path("id").asString(), check)).isEqualTo("written-before-the-stop\nissue-gone\n");
    }
    assertThat(forks).hasSize(2);
    assertThat(warren.get("/v1/sandboxes/" + source).json().path("state").asString()).isEqualTo("stopped");
    assertThat(mountsUnder(dir)).as("mounts of the stopped sandbox after the fork").isEmpty();
    // and its own disk is intact: it starts with its files
    assertThat(warren.post("/v1/sandboxes/" + source + "/start", null).json().path("state").asString()).isEqualTo("running");
    assertThat(stdout(warren, source, check)).isEqualTo("written-before-the-stop\nissue-gone\n");

    for (String s : List.of(copy, forks.get(0), forks.get(1), source)) {
      assertThat(warren.delete("/v1/sandboxes/" + s).status()).isEqualTo(204);
    }
    assertThat(warren.delete("/v1/snapshots/" + snap).status()).isEqualTo(204);
    assertThat(warren.get("/v1/snapshots").json().path("snapshots")).isEmpty();
    assertThat(entries(warren.dataDir().resolve("layers"))).as("layers left").isEmpty();
  }

  @Test
  void aLayerIsWrittenToDiskBeforeItsSnapshotIsAnswered() throws Exception {
    TestWarren warren = fixture.server();
    String source = warren.createSandbox("{}");
    assertThat(warren.exec(source, "echo durable > /workspace/f").path("exitCode").asInt()).isZero();
    // the layers directory is there once calls on snapshots are served
    assertThat(warren.get("/v1/snapshots").status()).isEqualTo(200);
    Path layers = warren.dataDir().resolve("layers").toRealPath();
    Path trace = Files.createTempFile("warren-snapshot-fsync", ".strace");
    // the controller's syncs while it takes the snapshot, each descriptor shown with its path
    Process strace = new ProcessBuilder("strace", "-f", "-y", "-e", "trace=fsync,fdatasync,syncfs", "-o", trace.toString(), "-p",
        Long.toString(warren.pid())).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    JsonNode snap;
    try {
      org.awaitility.Awaitility.await("strace attached to every thread of the controller").atMost(java.time.Duration.ofSeconds(30))
          .pollInterval(java.time.Duration.ofMillis(50)).until(() -> tracedThreads(warren.pid(), strace.pid()));
      TestWarren.Resp made = warren.post("/v1/sandboxes/" + source + "/snapshots", "{}");
      assertThat(made.status()).as("%s", made).isEqualTo(201);
      snap = made.json();
    } finally {
      // SIGTERM: strace detaches from the controller and ends
      strace.destroy();
      assertThat(strace.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)).as("strace ended").isTrue();
    }
    List<String> syncs = Files.readAllLines(trace);
    Files.delete(trace);
    String id = snap.path("id").asString();
    // the copy, under its temporary name, then the directory holding its final name; only then the answer
    int image = indexOf(syncs, "fsync\\(\\d+<" + java.util.regex.Pattern.quote(layers.resolve(".tmp-" + id).toString()) + ">");
    int dir = indexOf(syncs, "fsync\\(\\d+<" + java.util.regex.Pattern.quote(layers.toString()) + ">");
    assertThat(image).as("the layer image fsynced, in %s", syncs).isNotNegative();
    assertThat(dir).as("the layers directory fsynced after the image, in %s", syncs).isGreaterThan(image);
    warren.delete("/v1/sandboxes/" + source);
    assertThat(warren.delete("/v1/snapshots/" + id).status()).isEqualTo(204);
  }

  /** Whether every thread of {@code pid} is traced by {@code tracer}. */
  private static boolean tracedThreads(long pid, long tracer) throws IOException {
    try (Stream<Path> tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
      for (Path t : (Iterable<Path>) tasks::iterator) {
        try {
          if (Files.readAllLines(t.resolve("status")).stream().noneMatch(l -> l.equals("TracerPid:\t" + tracer))) {
            return false;
          }
        } catch (java.nio.file.NoSuchFileException e) {
          // the thread ended meanwhile
        }
      }
    }
    return true;
  }

  /** The index of the first line with a match of {@code regex}, or -1. */
  private static int indexOf(List<String> lines, String regex) {
    java.util.regex.Pattern p = java.util.regex.Pattern.compile(regex);
    for (int i = 0; i < lines.size(); i++) {
      if (p.matcher(lines.get(i)).find()) {
        return i;
      }
    }
    return -1;
  }

  @Test
  void snapshotOfAForkOfASnapshotStacksOneLayerAndDeepStacksAreFlattened() throws Exception {
    TestWarren warren = fixture.server();
    String a = warren.createSandbox("{}");
    warren.exec(a, "echo 1 > /workspace/one; echo gone > /workspace/later-deleted");
    String s1 = warren.post("/v1/sandboxes/" + a + "/snapshots", "{}").json().path("id").asString();
    String b = warren.post("/v1/sandboxes/" + a + "/fork", "{\"count\": 1}").json().path("sandboxes").get(0).path("id").asString();
    String bFromS1 = warren.createSandbox("{\"snapshot\": \"" + s1 + "\"}");
    warren.exec(bFromS1, "echo 2 > /workspace/two; rm /workspace/later-deleted");
    JsonNode s2 = warren.post("/v1/sandboxes/" + bFromS1 + "/snapshots", "{}").json();
    assertThat(s2.path("depth").asInt()).isEqualTo(2);
    assertThat(s2.path("parentSnapshot").asString()).isEqualTo(s1);
    assertThat(s2.path("flattened").asBoolean()).isFalse();
    String c = warren.createSandbox("{\"snapshot\": \"" + s2.path("id").asString() + "\"}");
    assertThat(stdout(warren, c, "ls /workspace")).isEqualTo("one\ntwo\n");
    TestWarren.Resp refused = warren.delete("/v1/snapshots/" + s1);
    assertThat(refused.status()).isEqualTo(409);
    assertThat(refused.json().path("detail").asString()).contains(bFromS1);

    // one layer per generation up to the bound, then one flattened layer that stands alone
    String at = c;
    List<String> chain = new ArrayList<>(List.of(c));
    List<String> snaps = new ArrayList<>(List.of(s2.path("id").asString()));
    JsonNode last = s2;
    for (int depth = 3; depth <= SnapshotService.MAX_DEPTH + 1; depth++) {
      warren.exec(at, "echo " + depth + " > /workspace/gen" + depth + "; rm -f /workspace/gen" + (depth - 1));
      last = warren.post("/v1/sandboxes/" + at + "/snapshots", "{}").json();
      snaps.add(last.path("id").asString());
      at = warren.createSandbox("{\"snapshot\": \"" + last.path("id").asString() + "\"}");
      chain.add(at);
    }
    assertThat(last.path("flattened").asBoolean()).isTrue();
    assertThat(last.path("depth").asInt()).isEqualTo(1);
    int top = SnapshotService.MAX_DEPTH + 1;
    assertThat(stdout(warren, at, "ls /workspace; cat /workspace/gen" + top + "; test -e /usr/bin/apt && echo image-there"))
        .isEqualTo("gen" + top + "\none\ntwo\n" + top + "\nimage-there\n");
    // a flattened snapshot does not hold its parent: once its sandboxes are gone, the parent can go
    warren.delete("/v1/sandboxes/" + at);
    chain.remove(at);

    for (String s : List.of(a, b, bFromS1)) {
      warren.delete("/v1/sandboxes/" + s);
    }
    for (String s : chain) {
      warren.delete("/v1/sandboxes/" + s);
    }
    for (int i = snaps.size() - 1; i >= 0; i--) {
      assertThat(warren.delete("/v1/snapshots/" + snaps.get(i)).status()).as("delete %s", snaps.get(i)).isEqualTo(204);
    }
    assertThat(warren.delete("/v1/snapshots/" + s1).status()).isEqualTo(204);
    assertThat(warren.get("/v1/snapshots").json().path("snapshots")).isEmpty();
    assertThat(entries(warren.dataDir().resolve("layers"))).isEmpty();
  }

  @Test
  void snapshotOfASandboxWritingAllTheWhileIsOneMomentOfIt() throws Exception {
    TestWarren warren = fixture.server();
    String id = warren.createSandbox("{}");
    // enough to copy that the copy is not instant (the sandbox is frozen for it)
    warren.exec(id, "mkdir -p /workspace/c && dd if=/dev/urandom of=/workspace/big bs=1M count=100 status=none");
    // at every moment: /workspace/c holds n, or n-1 and n, and /workspace/last says n-1 or n
    warren.exec(id, "nohup sh -c 'i=0; while :; do i=$((i+1)); echo $i > /workspace/c/$i; rm -f /workspace/c/$((i-1)); "
        + "echo $i > /workspace/last.t && mv /workspace/last.t /workspace/last; done' >/dev/null 2>&1 &");
    org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30)).pollInterval(java.time.Duration.ofMillis(50))
        .until(() -> stdout(warren, id, "cat /workspace/last 2>/dev/null || echo 0").strip().matches("[1-9][0-9]+"));
    long t0 = System.nanoTime();
    JsonNode snap = warren.post("/v1/sandboxes/" + id + "/snapshots", "{}").json();
    System.out.printf("snapshot of a 100 MB workspace being written: %.0f ms (%s)%n", (System.nanoTime() - t0) / 1e6,
        createdEvent(warren, snap.path("id").asString()));
    String copy = warren.createSandbox("{\"snapshot\": \"" + snap.path("id").asString() + "\"}");
    String[] seen = stdout(warren, copy, "ls /workspace/c | sort -n | tr '\\n' ' '; echo; cat /workspace/last").split("\n");
    long[] files = java.util.Arrays.stream(seen[0].trim().split(" ")).mapToLong(Long::parseLong).toArray();
    long n = files[files.length - 1];
    assertThat(files.length).as("files %s", seen[0]).isBetween(1, 2);
    if (files.length == 2) {
      assertThat(files[0]).isEqualTo(n - 1);
    }
    assertThat(Long.parseLong(seen[1].trim())).as("last, with files %s", seen[0]).isBetween(n - 1, n);
    assertThat(n).as("the loop ran before the snapshot").isGreaterThan(10);
    // and goes on after it (the snapshot thawed the sandbox and its disk)
    org.awaitility.Awaitility.await("the loop going on after the snapshot").atMost(java.time.Duration.ofSeconds(30))
        .pollInterval(java.time.Duration.ofMillis(50)).until(() -> Long.parseLong(stdout(warren, id, "cat /workspace/last").strip()) > n);
    for (String s : List.of(copy, id)) {
      warren.delete("/v1/sandboxes/" + s);
    }
    assertThat(warren.delete("/v1/snapshots/" + snap.path("id").asString()).status()).isEqualTo(204);
  }

  @Test
  void badInputIsRefusedNamingTheField() {
    TestWarren warren = fixture.server();
    assertField(warren.post("/v1/sandboxes", "{\"snapshot\": \"snap_01NOSUCHSNAPSHOT0000000000\"}"), 400, "snapshot");
    assertField(warren.post("/v1/sandboxes", "{\"snapshot\": \"no such name\"}"), 400, "snapshot");
    assertThat(warren.get("/v1/snapshots/snap_nope").status()).isEqualTo(404);
    assertThat(warren.delete("/v1/snapshots/nope").status()).isEqualTo(404);
    String id = warren.createSandbox("{}");
    for (String count : List.of("0", "1000", "-1", "\"five\"")) {
      assertField(warren.post("/v1/sandboxes/" + id + "/fork", "{\"count\": " + count + "}"), 400, "count");
    }
    assertField(warren.post("/v1/sandboxes/" + id + "/fork", "{}"), 400, "count");
    assertField(warren.post("/v1/sandboxes/" + id + "/snapshots", "{\"name\": \"has space\"}"), 400, "name");
    assertField(warren.post("/v1/sandboxes/" + id + "/snapshots", "{\"size\": 1}"), 400, "size");
    assertThat(warren.post("/v1/sandboxes/" + id + "/snapshots", "{\"name\": \"twice\"}").status()).isEqualTo(201);
    assertThat(warren.post("/v1/sandboxes/" + id + "/snapshots", "{\"name\": \"twice\"}").status()).isEqualTo(409);
    assertField(warren.post("/v1/sandboxes", "{\"snapshot\": \"twice\", \"image\": \"browser\"}"), 400, "image");
    assertThat(warren.post("/v1/sandboxes/sbx_01NOSUCHSANDBOX00000000000/snapshots", "{}").status()).isEqualTo(404);
    warren.delete("/v1/sandboxes/" + id);
    assertThat(warren.delete("/v1/snapshots/twice").status()).isEqualTo(204);
    assertThat(warren.get("/v1/snapshots").json().path("snapshots")).isEmpty();
  }

  static void assertField(TestWarren.Resp r, int status, String field) {
    assertThat(r.status()).as("%s", r).isEqualTo(status);
    assertThat(r.raw().headers().firstValue("Content-Type").orElse("")).startsWith("application/problem+json");
    assertThat(r.json().path("field").asString()).as("%s", r).isEqualTo(field);
  }

  /** What the {@code snapshot.created} event of {@code snapshotId} says (its size, depth, how long its source was frozen). */
  static String createdEvent(TestWarren warren, String snapshotId) {
    for (JsonNode e : warren.get("/v1/events?subject=" + snapshotId).json().path("events")) {
      if (e.path("kind").asString().equals("snapshot.created")) {
        return e.path("detail").asString();
      }
    }
    return "no snapshot.created event";
  }

  static String stdout(TestWarren warren, String id, String command) {
    JsonNode r = warren.exec(id, command);
    assertThat(r.path("exitCode").asInt()).as("%s: %s", command, r).isZero();
    return r.path("stdout").asString();
  }

  /** The mount points at or under {@code dir} in the host's mount table. */
  static List<String> mountsUnder(Path dir) throws IOException {
    return Files.readAllLines(Path.of("/proc/self/mountinfo")).stream().map(l -> l.split(" ")[4])
        .filter(m -> m.equals(dir.toString()) || m.startsWith(dir + "/")).toList();
  }

  static List<String> entries(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).toList();
    }
  }
}
