package dev.warren.ops;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warren.Teardown;
import dev.warren.config.Config;
import dev.warren.testing.TestWarren;
import dev.warren.testing.WarrenCli;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@code warren serve --daemon}, {@code stop}, {@code status} and the supervisor, for real. */
class DaemonTest {
  private Path data;
  private Map<String, String> env;

  @BeforeEach
  void dataDir() throws Exception {
    TestWarren.ensureBaseImage();
    data = TestWarren.newDataDir();
    env = new HashMap<>(Map.of("WARREN_DATA", data.toString(), "WARREN_IMAGES", TestWarren.IMAGES.toString(),
        "WARREN_LISTEN", "127.0.0.1:0", "WARREN_SHUTDOWN_GRACE", "3s"));
  }

  @AfterEach
  void cleanUp() throws Exception {
    WarrenCli.run(env, "stop", "--force", "--timeout", "30");
    try {
      Teardown.run(Config.from(env));
    } finally {
      new ProcessBuilder("rm", "-rf", "--one-file-system", data.toString()).inheritIO().start().waitFor(60, TimeUnit.SECONDS);
    }
  }

  @Test
  void daemonStartsOnceStopsByPidAndToleratesAStalePidFile() throws Exception {
    WarrenCli.Result started = WarrenCli.run(env, "serve", "--daemon");
    assertThat(started.code()).as("%s", started).isZero();
    long pid = Long.parseLong(Files.readString(data.resolve("warren.pid")).strip());
    assertThat(started.output()).contains("Warren is running in the background (pid " + pid + ")")
        .contains("log: " + data.resolve("logs/warren.log"));
    assertThat(ProcessHandle.of(pid).map(p -> p.info().commandLine().orElse(""))).hasValueSatisfying(c ->
        assertThat(c).contains("-Dwarren.daemon=" + data));
    assertThat(ProcessHandle.of(pid).orElseThrow().parent()).as("detached: not a child of the CLI").isNotEmpty();
    assertThat(healthz()).isEqualTo(200);
    assertThat(Files.readString(data.resolve("logs/warren.out"))).contains("API token written to " + data.resolve("token"))
        .doesNotContain(Files.readString(data.resolve("token")).strip());

    WarrenCli.Result status = WarrenCli.run(env, "status");
    assertThat(status.code()).isZero();
    assertThat(status.output()).contains("Warren is running in the background (pid " + pid + ")").contains(", answering");

    WarrenCli.Result second = WarrenCli.run(env, "serve", "--daemon");
    assertThat(second.code()).isEqualTo(1);
    assertThat(second.output()).isEqualTo("warren: Warren is already running in the background (pid " + pid + ", pid file "
        + data.resolve("warren.pid") + "); stop it first with: warren stop");
    WarrenCli.Result foreground = WarrenCli.run(env, "serve");
    assertThat(foreground.code()).isEqualTo(3);
    assertThat(foreground.output()).endsWith("another Warren controller (pid " + pid + ") is running on the data directory " + data
        + "; stop it first (warren stop)");

    WarrenCli.Result stopped = WarrenCli.run(env, "stop");
    assertThat(stopped.code()).as("%s", stopped).isZero();
    assertThat(stopped.output()).contains("stopping Warren (pid " + pid + ")").endsWith("Warren stopped");
    assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).isFalse();
    assertThat(data.resolve("warren.pid")).doesNotExist();
    assertThat(Files.readString(data.resolve("logs/warren.log"))).contains("msg=\"shutdown: draining the API\"")
        .contains("kind=controller.stopped");
    WarrenCli.Result down = WarrenCli.run(env, "status");
    assertThat(down.code()).isEqualTo(3);
    assertThat(down.output()).isEqualTo("Warren is not running");

    // a pid file left by a crash, naming a live process that is not Warren (this test's JVM)
    Files.writeString(data.resolve("warren.pid"), ProcessHandle.current().pid() + "\n");
    assertThat(WarrenCli.run(env, "status").output()).isEqualTo("Warren is not running (removed the stale pid file " + data.resolve("warren.pid") + ")");
    Files.writeString(data.resolve("warren.pid"), ProcessHandle.current().pid() + "\n");
    WarrenCli.Result again = WarrenCli.run(env, "serve", "--daemon");
    assertThat(again.code()).as("%s", again).isZero();
    assertThat(again.output()).startsWith("warren: removing the stale pid file " + data.resolve("warren.pid") + " (pid "
        + ProcessHandle.current().pid() + " is gone)");
    assertThat(healthz()).isEqualTo(200);
  }

  @Test
  void theSupervisorRestartsACrashedControllerAndStopsItGracefully() throws Exception {
    WarrenCli.Result started = WarrenCli.run(env, "serve", "--daemon", "--supervise");
    assertThat(started.code()).as("%s", started).isZero();
    long supervisor = Long.parseLong(Files.readString(data.resolve("warren.pid")).strip());
    long controller = Long.parseLong(Files.readString(data.resolve("warren.lock")).strip());
    assertThat(controller).isNotEqualTo(supervisor);
    assertThat(ProcessHandle.of(controller).flatMap(ProcessHandle::parent).map(ProcessHandle::pid)).contains(supervisor);
    assertThat(WarrenCli.run(env, "status").output()).contains("(pid " + supervisor + ", controller pid " + controller + ", supervised)");
    String sandbox = createSandbox();

    ProcessHandle.of(controller).orElseThrow().destroyForcibly();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    long restarted = controller;
    while (System.nanoTime() < deadline) {
      try {
        restarted = Long.parseLong(Files.readString(data.resolve("warren.lock")).strip());
      } catch (NumberFormatException e) {
        restarted = controller;
      }
      if (restarted != controller && healthz() == 200) {
        break;
      }
      Thread.sleep(200);
    }
    assertThat(restarted).as("a new controller after the crash; its output:\n%s", Files.readString(data.resolve("logs/warren.out")))
        .isNotEqualTo(controller);
    assertThat(healthz()).isEqualTo(200);
    assertThat(Files.readString(data.resolve("logs/warren.out")))
        .contains("supervisor: controller exited with code 137 after").contains("restarting in 1 s");
    assertThat(get("/v1/sandboxes/" + sandbox)).contains("\"state\":\"running\"");

    WarrenCli.Result stopped = WarrenCli.run(env, "stop");
    assertThat(stopped.code()).as("%s", stopped).isZero();
    assertThat(ProcessHandle.of(supervisor).map(ProcessHandle::isAlive).orElse(false)).isFalse();
    assertThat(ProcessHandle.of(restarted).map(ProcessHandle::isAlive).orElse(false)).isFalse();
    assertThat(Files.readString(data.resolve("logs/warren.out"))).contains("supervisor: stopping: passing SIGTERM to the controller (pid "
        + restarted + ")").contains("supervisor: controller stopped (exit code 143); supervisor ends");
    assertThat(data.resolve("warren.pid")).doesNotExist();
  }

  @Test
  void aBadSettingIsReportedBeforeAnythingIsStarted() throws Exception {
    Path config = data.resolve("bad.env");
    Files.writeString(config, "WARREN_PROXY_PORT=99999\n");
    Map<String, String> bad = new HashMap<>(env);
    bad.put("WARREN_CONFIG", config.toString());
    WarrenCli.Result r = WarrenCli.run(bad, "serve", "--daemon", "--supervise");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.output()).isEqualTo("warren: WARREN_PROXY_PORT: must be between 1 and 65535, got 99999");
    assertThat(data.resolve("warren.pid")).doesNotExist();
  }

  @Test
  void aControllerThatFailsAtStartUpIsReportedAndNotRestarted() throws Exception {
    // sandboxes must be able to traverse the data directory: the controller refuses one they cannot
    Files.setPosixFilePermissions(data, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
    WarrenCli.Result r = WarrenCli.run(env, "serve", "--daemon", "--supervise");
    Files.setPosixFilePermissions(data, java.nio.file.attribute.PosixFilePermissions.fromString("rwx--x--x"));
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.output()).startsWith("warren: Warren exited during start-up (code 1):")
        .contains("which other users cannot traverse").contains("supervisor: controller failed at start-up (exit code 1)")
        .contains("not restarting it");
    assertThat(WarrenCli.run(env, "status").code()).isEqualTo(3);
  }

  private String base() throws Exception {
    return "http://" + Files.readString(data.resolve("listen")).strip();
  }

  private int healthz() {
    try {
      return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(base() + "/healthz")).timeout(Duration.ofSeconds(5)).build(),
          HttpResponse.BodyHandlers.discarding()).statusCode();
    } catch (Exception e) {
      return -1;
    }
  }

  private String get(String path) throws Exception {
    return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(base() + path))
        .header("Authorization", "Bearer " + Files.readString(data.resolve("token")).strip()).build(), HttpResponse.BodyHandlers.ofString()).body();
  }

  private String createSandbox() throws Exception {
    HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(base() + "/v1/sandboxes"))
        .header("Authorization", "Bearer " + Files.readString(data.resolve("token")).strip())
        .POST(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
    return r.body().replaceAll("^\\{\"id\":\"([^\"]+)\".*", "$1");
  }
}
