package dev.warren.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import dev.warren.testing.HostState;
import dev.warren.testing.TestWarren;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Sandboxes driven through SDK handles: ownership, spec fields, queries, stop/start/restart, idle stop, snapshots and forks. */
class SdkLifecycleTest {
  static TestWarren server;
  static Warren warren;

  @RegisterExtension
  static final ServerLogOnFailure logs = new ServerLogOnFailure(() -> server);

  @BeforeAll
  static void startServer() {
    // a short idle check so the idle-timeout test takes seconds, not the default 15 s per sweep
    server = TestWarren.start(Map.of("WARREN_IDLE_CHECK_INTERVAL", "1s"));
    warren = server.sdk();
  }

  @AfterAll
  static void stopServer() {
    try (var s = server; var w = warren) {
      // closed in reverse order: client, server
    }
  }

  @Test
  void snapshotStartsSandboxesAndForksGoTheirOwnWay() {
    SnapshotInfo snap;
    try (Sandbox source = warren.sandboxes().create()) {
      source.exec("echo v1 > /workspace/f");
      snap = source.snapshot("sdk-snap");
      assertThat(snap.id()).startsWith("snap_");
      assertThat(snap.name()).contains("sdk-snap");
      assertThat(snap.origin()).isEqualTo("api");
      assertThat(snap.depth()).isEqualTo(1);
      List<Sandbox> forks = source.fork(2, Map.of("try", "sdk"));
      try (Sandbox a = forks.get(0); Sandbox b = forks.get(1)) {
        assertThat(a.info().labels()).containsEntry("try", "sdk");
        a.exec("echo a > /workspace/f");
        assertThat(b.exec("cat /workspace/f").stdout()).isEqualTo("v1\n");
        assertThat(a.exec("cat /workspace/f").stdout()).isEqualTo("a\n");
      }
    }
    try (Sandbox copy = warren.sandboxes().create(SandboxSpec.builder().snapshot("sdk-snap").build())) {
      assertThat(copy.exec("cat /workspace/f").stdout()).isEqualTo("v1\n");
      assertThatThrownBy(() -> warren.snapshots().delete(snap.id())).isInstanceOf(ConflictException.class).hasMessageContaining(copy.id());
    }
    assertThat(warren.snapshots().get("sdk-snap")).map(SnapshotInfo::id).contains(snap.id());
    assertThat(warren.snapshots().list()).extracting(SnapshotInfo::id).containsExactly(snap.id());
    assertThat(warren.snapshots().delete("sdk-snap")).isTrue();
    assertThat(warren.snapshots().delete("sdk-snap")).isFalse();
    assertThat(warren.snapshots().get(snap.id())).isEmpty();
    assertThatThrownBy(() -> warren.sandboxes().create(SandboxSpec.builder().snapshot("sdk-snap").build()))
        .isInstanceOf(InvalidInputException.class).hasMessageContaining("snapshot");
    assertThatThrownBy(() -> SandboxSpec.builder().snapshot("no spaces")).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void pausedSandboxIsResumedByItsNextExecWhichSaysSo() {
    try (Sandbox sbx = warren.sandboxes().create()) {
      sbx.exec("echo kept > /workspace/f");
      assertThat(sbx.pause().state()).isEqualTo(SandboxState.PAUSED);
      assertThat(sbx.pause().state()).isEqualTo(SandboxState.PAUSED);
      assertThat(sbx.refresh().state()).isEqualTo(SandboxState.PAUSED);
      ExecResult r = sbx.exec("cat /workspace/f");
      assertThat(r.stdout()).isEqualTo("kept\n");
      assertThat(r.resumed()).isTrue();
      assertThat(sbx.refresh().state()).isEqualTo(SandboxState.RUNNING);
      assertThat(sbx.exec("true").resumed()).isFalse();
      sbx.pause();
      assertThat(sbx.resume().state()).isEqualTo(SandboxState.RUNNING);
      sbx.stop();
      assertThatThrownBy(sbx::pause).isInstanceOf(ConflictException.class).hasMessageContaining("start it first");
    }
  }

  @Test
  void createdSandboxRunsCommandsAndIsDeletedOnClose() {
    String id;
    try (Sandbox sbx = warren.sandboxes().create()) {
      id = sbx.id();
      assertThat(sbx.deletesOnClose()).isTrue();
      assertThat(sbx.info().state()).isEqualTo(SandboxState.RUNNING);
      assertThat(sbx.exec("echo hi").stdout()).isEqualTo("hi\n");
      assertThat(HostState.processesOf(id)).isNotEmpty();
    }
    assertThat(warren.sandboxes().get(id)).isEmpty();
    assertThat(HostState.leftoversOf(id)).isEmpty();
    assertThat(server.dataDir().resolve("sandboxes").resolve(id)).doesNotExist();
  }

  @Test
  void closedHandleRefusesCallsAndClosesAgainQuietly() {
    Sandbox sbx = warren.sandboxes().create();
    sbx.close();
    sbx.close();

    assertThatThrownBy(() -> sbx.exec("true")).isInstanceOf(IllegalStateException.class).hasMessageContaining(sbx.id());
    assertThatThrownBy(() -> sbx.files().read("/etc/hostname")).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(sbx::refresh).isInstanceOf(IllegalStateException.class);
    assertThat(warren.sandboxes().get(sbx.id())).isEmpty();
  }

  @Test
  void nonOwningHandlesLeaveTheSandboxAloneAndAttachWithDeleteOnCloseOwnsIt() {
    try (Sandbox owner = warren.sandboxes().create()) {
      String id = owner.id();
      try (Sandbox viaGet = warren.sandboxes().get(id).orElseThrow(); Sandbox viaAttach = warren.sandboxes().attach(id)) {
        assertThat(viaGet.deletesOnClose()).isFalse();
        assertThat(viaAttach.deletesOnClose()).isFalse();
        assertThat(viaGet.info().state()).isEqualTo(SandboxState.RUNNING);
        assertThat(viaAttach.info().id()).isEqualTo(id);
      }
      assertThat(warren.sandboxes().get(id)).isPresent();

      try (Sandbox adopted = warren.sandboxes().attach(id, true)) {
        assertThat(adopted.deletesOnClose()).isTrue();
      }
      assertThat(warren.sandboxes().get(id)).isEmpty();
      assertThat(HostState.leftoversOf(id)).isEmpty();
    } // the owner's delete now meets a 404, which close() accepts
  }

  @Test
  void specFieldsArriveInTheSandbox() {
    var spec = SandboxSpec.builder()
        .env("GREETING", "hello $HOME \"quoted\" ünïcode").env("EMPTY", "")
        .label("suite", "sdk-spec").label("owner", "a b&c=d/é")
        .memoryMb(256).pids(128).cpus(0.5).diskMb(96)
        .idleTimeout(Duration.ofMinutes(10))
        .build();
    try (Sandbox sbx = warren.sandboxes().create(spec)) {
      SandboxInfo info = sbx.info();
      assertThat(info.id()).isEqualTo(sbx.id()).matches("sbx_[0-9a-z]{26}");
      assertThat(info.state()).isEqualTo(SandboxState.RUNNING);
      assertThat(info.stateReason()).isEmpty();
      assertThat(info.image()).isEqualTo("base");
      assertThat(info.imageDigest()).hasValueSatisfying(d -> assertThat(d).matches("sha256:[0-9a-f]{64}"));
      assertThat(info.generation()).isEqualTo(1);
      assertThat(info.address()).hasValueSatisfying(a -> assertThat(a).matches("\\d+\\.\\d+\\.\\d+\\.\\d+"));
      assertThat(info.env()).isEqualTo(Map.of("GREETING", "hello $HOME \"quoted\" ünïcode", "EMPTY", ""));
      assertThat(info.labels()).isEqualTo(Map.of("suite", "sdk-spec", "owner", "a b&c=d/é"));
      // the disk gets one inode per 16 KiB unless asked otherwise
      assertThat(info.limits()).isEqualTo(Limits.of(256, 128, 0.5).withDiskMb(96).withDiskInodes(96 * 64));
      assertThat(info.egress()).isEqualTo(EgressPolicy.DENY_ALL);
      assertThat(info.idleTimeout()).contains(Duration.ofMinutes(10));
      assertThat(info.startedAt()).isPresent();
      assertThat(info.stoppedAt()).isEmpty();

      ExecResult env = sbx.exec("printf '%s|%s|%s' \"$GREETING\" \"${EMPTY-unset}\" \"$WARREN_SANDBOX_ID\"");
      assertThat(env.stdout()).isEqualTo("hello $HOME \"quoted\" ünïcode||" + sbx.id());

      // the limits are the cgroup's, not just echoed back
      assertThat(cgroupValue(sbx.id(), "memory.limit_in_bytes", "memory.max")).isEqualTo(Long.toString(256L << 20));
      assertThat(cgroupValue(sbx.id(), "pids.max")).isEqualTo("128");
      assertThat(cgroupValue(sbx.id(), "cpu.cfs_quota_us", "cpu.max")).isIn("50000", "50000 100000");
      assertThat(sbx.exec("df -k --output=size / | tail -1").stdout().strip()).as("the disk's size, less ext4's metadata")
          .satisfies(kib -> assertThat(Long.parseLong(kib)).isBetween(90L * 1024, 96L * 1024));
      ExecResult hog = sbx.exec("head -c 400M /dev/zero | tail > /dev/null; echo status=$?");
      assertThat(hog.stdout()).isEqualTo("status=137\n");
      assertThat(sbx.refresh().state()).isEqualTo(SandboxState.RUNNING);
    }
  }

  @Test
  void createAnswerAgreesWithWhatTheServerReportsLater() {
    try (Sandbox sbx = warren.sandboxes().create()) {
      SandboxInfo created = sbx.info();
      SandboxInfo read = warren.sandboxes().get(sbx.id()).orElseThrow().info();
      // lastActivityAt moves with activity; every other field describes the same sandbox
      assertThat(read).usingRecursiveComparison().ignoringFields("lastActivityAt").isEqualTo(created);
    }
  }

  @Test
  void listFindsSandboxesByLabelAndState() {
    String run = UUID.randomUUID().toString();
    String odd = "a b&c=d/é#?+%";
    try (Sandbox web = warren.sandboxes().create(SandboxSpec.builder().label("run", run).label("role", "web").build());
         Sandbox worker = warren.sandboxes().create(
             SandboxSpec.builder().label("run", run).label("role", "worker").label("odd", odd).build())) {
      worker.stop();

      assertThat(ids(SandboxQuery.all().withLabel("run", run))).containsExactlyInAnyOrder(web.id(), worker.id());
      assertThat(ids(SandboxQuery.all().withLabel("run", run).withLabel("role", "worker"))).containsExactly(worker.id());
      assertThat(ids(SandboxQuery.all().withLabel("odd", odd))).containsExactly(worker.id());
      assertThat(ids(SandboxQuery.all().withLabel("odd", "a b"))).isEmpty();
      assertThat(ids(SandboxQuery.all().withLabel("run", run).withState(SandboxState.RUNNING))).containsExactly(web.id());
      assertThat(ids(SandboxQuery.all().withLabel("run", run).withState(SandboxState.STOPPED))).containsExactly(worker.id());
      assertThat(ids(SandboxQuery.all().withLabel("run", "nobody-" + run))).isEmpty();

      List<Sandbox> found = warren.sandboxes().list(SandboxQuery.all().withLabel("run", run));
      assertThat(found).allSatisfy(h -> assertThat(h.deletesOnClose()).isFalse());
      assertThat(found).extracting(h -> h.info().state())
          .containsExactlyInAnyOrder(SandboxState.RUNNING, SandboxState.STOPPED);
      assertThat(warren.sandboxes().list()).extracting(Sandbox::id).contains(web.id(), worker.id());
    }
  }

  @Test
  void stopStartAndRestartBumpTheGenerationAndKeepTheFiles() {
    try (Sandbox sbx = warren.sandboxes().create()) {
      sbx.files().writeString("/workspace/keep.txt", "kept\n");
      sbx.exec("nohup sleep 1000 >/dev/null 2>&1 &");
      assertThat(sbx.exec("pgrep -f 'slee[p] 1000'").exitCode()).isZero();

      SandboxInfo stopped = sbx.stop();
      assertThat(stopped.state()).isEqualTo(SandboxState.STOPPED);
      assertThat(stopped.generation()).isEqualTo(1);
      assertThat(stopped.stoppedAt()).isPresent();
      assertThat(sbx.info()).isEqualTo(stopped);
      assertThat(HostState.processesOf(sbx.id())).isEmpty();
      assertThat(sbx.stop()).satisfies(again -> {
        assertThat(again.state()).isEqualTo(SandboxState.STOPPED);
        assertThat(again.generation()).isEqualTo(1);
      });

      ConflictException onExec = catchThrowableOfType(ConflictException.class, () -> sbx.exec("true"));
      assertThat(onExec.status()).isEqualTo(409);
      assertThat(onExec.state()).contains("stopped");
      assertThat(onExec.path()).isEqualTo("/v1/sandboxes/" + sbx.id() + "/exec");
      assertThat(onExec).hasMessageStartingWith("POST /v1/sandboxes/" + sbx.id() + "/exec failed with 409 conflict: ")
          .hasMessageContaining("it is stopped");
      ConflictException onRead = catchThrowableOfType(ConflictException.class, () -> sbx.files().read("/workspace/keep.txt"));
      assertThat(onRead.state()).contains("stopped");

      SandboxInfo started = sbx.start();
      assertThat(started.state()).isEqualTo(SandboxState.RUNNING);
      assertThat(started.generation()).isEqualTo(2);
      assertThat(sbx.exec("cat /workspace/keep.txt; echo gen=$WARREN_GENERATION").stdout()).isEqualTo("kept\ngen=2\n");
      assertThat(sbx.exec("pgrep -f 'slee[p] 1000'").exitCode()).isEqualTo(1);
      assertThat(sbx.start().generation()).as("start on a running sandbox is a no-op").isEqualTo(2);

      SandboxInfo restarted = sbx.restart();
      assertThat(restarted.state()).isEqualTo(SandboxState.RUNNING);
      assertThat(restarted.generation()).isEqualTo(3);
      assertThat(sbx.files().readString("/workspace/keep.txt")).isEqualTo("kept\n");
      assertThat(sbx.exec("echo gen=$WARREN_GENERATION").stdout()).isEqualTo("gen=3\n");
      assertThat(sbx.refresh().generation()).isEqualTo(3);
    }
  }

  @Test
  void everyStateSeenDuringAStopIsOneTheSdkKnows() throws Exception {
    try (Sandbox sbx = warren.sandboxes().create()) {
      List<SandboxState> seen = new ArrayList<>();
      CompletableFuture<SandboxInfo> stopping = CompletableFuture.supplyAsync(sbx::stop, Thread::startVirtualThread);
      Sandbox watcher = warren.sandboxes().attach(sbx.id());
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      SandboxState state;
      do {
        state = watcher.refresh().state();
        seen.add(state);
      } while (state != SandboxState.STOPPED && System.nanoTime() < deadline);

      assertThat(stopping.get(30, TimeUnit.SECONDS).state()).isEqualTo(SandboxState.STOPPED);
      assertThat(state).isEqualTo(SandboxState.STOPPED);
      assertThat(Set.copyOf(seen)).as("states seen while stopping: %s", seen)
          .isSubsetOf(SandboxState.RUNNING, SandboxState.STOPPING, SandboxState.STOPPED);
    }
  }

  @Test
  void idleSandboxIsStoppedAfterItsIdleTimeoutAndCanBeStartedAgain() {
    String run = UUID.randomUUID().toString();
    try (Sandbox sbx = warren.sandboxes().create(
        SandboxSpec.builder().label("run", run).idleTimeout(Duration.ofSeconds(2)).build())) {
      assertThat(sbx.info().idleTimeout()).contains(Duration.ofSeconds(2));

      await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200))
          .until(() -> sbx.refresh().state() == SandboxState.STOPPED);

      SandboxInfo stopped = sbx.info();
      assertThat(stopped.stateReason()).hasValueSatisfying(
          r -> assertThat(r).startsWith("idle for ").endsWith(" s (idleTimeoutSeconds 2)"));
      assertThat(stopped.stoppedAt()).isPresent();
      assertThat(HostState.processesOf(sbx.id())).isEmpty();
      assertThat(ids(SandboxQuery.all().withLabel("run", run).withState(SandboxState.STOPPED))).containsExactly(sbx.id());
      assertThat(ids(SandboxQuery.all().withLabel("run", run).withState(SandboxState.RUNNING))).isEmpty();

      SandboxInfo again = sbx.start();
      assertThat(again.state()).isEqualTo(SandboxState.RUNNING);
      assertThat(again.generation()).isEqualTo(2);
      assertThat(again.stateReason()).isEmpty();
    }
  }

  @Test
  void idleActionPauseFreezesAnIdleSandboxAndItsPausedTimeoutThenStopsIt() {
    assertThatThrownBy(() -> SandboxSpec.builder().pausedTimeout(Duration.ofMillis(1500)).build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("pausedTimeout");
    try (Sandbox sbx = warren.sandboxes().create(SandboxSpec.builder().idleTimeout(Duration.ofSeconds(2))
        .idleAction(SandboxSpec.IdleAction.PAUSE).pausedTimeout(Duration.ofSeconds(3)).build())) {
      sbx.exec("echo kept > /workspace/f");
      await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200))
          .until(() -> sbx.refresh().state() != SandboxState.RUNNING);
      assertThat(sbx.info().state()).isEqualTo(SandboxState.PAUSED);
      assertThat(HostState.frozen(sbx.id())).isTrue();
      await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200))
          .until(() -> sbx.refresh().state() == SandboxState.STOPPED);
      assertThat(HostState.processesOf(sbx.id())).isEmpty();
      assertThat(sbx.start().state()).isEqualTo(SandboxState.RUNNING);
      assertThat(sbx.exec("cat /workspace/f").stdout()).isEqualTo("kept\n");
    }
  }

  @Test
  void sandboxWithoutAnIdleTimeoutReportsNone() {
    // the SDK cannot ask for "never" (idleTimeout is at least 1 s), so make one through the API
    String id = server.createSandbox("{\"idleTimeoutSeconds\": 0}");
    try (Sandbox sbx = warren.sandboxes().attach(id, true)) {
      assertThat(sbx.info().idleTimeout()).isEmpty();
    }
  }

  private static List<String> ids(SandboxQuery query) {
    return warren.sandboxes().list(query).stream().map(Sandbox::id).toList();
  }

  /** The first of {@code names} found in the sandbox's cgroup directories (v1 or v2 layout). */
  private static String cgroupValue(String id, String... names) {
    List<String> dirs = HostState.cgroupsOf(id);
    for (String dir : dirs) {
      for (String name : names) {
        Path file = Path.of(dir, name);
        if (Files.exists(file)) {
          try {
            return Files.readString(file).strip();
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        }
      }
    }
    throw new AssertionError("none of " + List.of(names) + " in the cgroups of " + id + ": " + dirs);
  }
}
