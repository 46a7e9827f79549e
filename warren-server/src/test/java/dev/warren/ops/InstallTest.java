package dev.warren.ops;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warren.Teardown;
import dev.warren.config.Catalog;
import dev.warren.config.Config;
import dev.warren.testing.TestWarren;
import dev.warren.testing.WarrenCli;
import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** warren install / uninstall into a temporary prefix, configuration and unit directory. */
class InstallTest {
  private Path root;
  private Path prefix;
  private Path config;
  private Path data;
  private Path units;
  private Path jar;

  @BeforeEach
  void layout() throws Exception {
    TestWarren.ensureBaseImage();
    root = TestWarren.newDataDir();
    prefix = root.resolve("opt/warren");
    config = root.resolve("etc/warren/warren.env");
    data = root.resolve("var/lib/warren");
    units = root.resolve("etc/systemd/system");
    jar = root.resolve("warren-under-test.jar");
    writeLauncherJar(jar);
  }

  @AfterEach
  void cleanUp() throws Exception {
    if (Files.exists(config)) {
      Map<String, String> env = Map.of("WARREN_CONFIG", config.toString());
      WarrenCli.run(env, "stop", "--force", "--timeout", "30");
      Teardown.run(Config.from(env));
    }
    new ProcessBuilder("rm", "-rf", "--one-file-system", root.toString()).inheritIO().start().waitFor(60, TimeUnit.SECONDS);
  }

  @Test
  void systemdModePutsEverythingUnderThePrefixWithAValidUnitAndUninstallKeepsTheData() throws Exception {
    WarrenCli.Result r = install("--mode", "systemd", "--no-start");
    assertThat(r.code()).as("%s", r).isZero();
    assertThat(r.output()).contains("installed " + prefix.resolve("lib/warren.jar"), "wrote the configuration file " + config,
        "created the data directory " + data, "wrote the systemd unit " + units.resolve("warren.service"), "systemctl enable --now warren");
    assertThat(Files.readAllBytes(prefix.resolve("lib/warren.jar"))).isEqualTo(Files.readAllBytes(jar));
    assertThat(mode(prefix.resolve("bin/warren"))).isEqualTo("rwxr-xr-x");
    assertThat(mode(config)).isEqualTo("rw-------");
    assertThat(mode(data)).isEqualTo("rwx--x--x");
    String env = Files.readString(config);
    assertThat(env).contains("\nWARREN_DATA=" + data + "\n");
    for (Catalog.Entry e : Catalog.entries()) {
      if (!e.name().equals("WARREN_CONFIG")) {
        assertThat(env).contains(e.name() + "=");
      }
    }

    Path unit = units.resolve("warren.service");
    String text = Files.readString(unit);
    assertThat(text).contains("ExecStart=" + prefix.resolve("bin/warren") + " serve\n", "Environment=WARREN_CONFIG=" + config + "\n",
        "KillMode=process\n", "Restart=on-failure\n", "TimeoutStopSec=40\n", "SuccessExitStatus=143\n", "LimitNOFILE=65536\n",
        "CapabilityBoundingSet=~CAP_SYS_MODULE", "WantedBy=multi-user.target\n").doesNotContainPattern("(?m)^(ProtectSystem|ReadWritePaths|PrivateTmp)=");
    Process verify = new ProcessBuilder("systemd-analyze", "verify", unit.toString()).redirectErrorStream(true).start();
    String complaints = new String(verify.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    verify.waitFor(60, TimeUnit.SECONDS);
    assertThat(complaints.lines().filter(l -> l.contains("warren.service")).toList()).as("systemd-analyze verify: %s", complaints).isEmpty();

    // the launcher runs from anywhere with nothing but the configuration file
    Launched check = launcher(List.of("config", "check"));
    assertThat(check.output()).isEqualTo("configuration OK: " + config + "; data " + data + ", listen 127.0.0.1:7070");

    WarrenCli.Result u = WarrenCli.run(Map.of(), "uninstall", "--prefix", prefix.toString());
    assertThat(u.code()).as("%s", u).isZero();
    assertThat(u.output()).contains("removed the systemd unit " + unit, "kept the data directory " + data, "removed Warren from " + prefix);
    assertThat(unit).doesNotExist();
    assertThat(prefix).doesNotExist();
    assertThat(config).exists();
    assertThat(data).exists();
    WarrenCli.Result again = WarrenCli.run(Map.of(), "uninstall", "--prefix", prefix.toString());
    assertThat(again.code()).isEqualTo(1);
    assertThat(again.output()).isEqualTo("warren: no Warren is installed under " + prefix + " (no " + prefix.resolve("install.properties")
        + "); pass the --prefix it was installed with");
  }

  @Test
  void supervisorModeStartsUpgradesAndPurges() throws Exception {
    assertThat(install("--mode", "supervisor", "--no-start").code()).isZero();
    Files.writeString(config, Files.readString(config) + "WARREN_LISTEN=127.0.0.1:0\nWARREN_IMAGES=" + TestWarren.IMAGES
        + "\nWARREN_SHUTDOWN_GRACE=3s\n");

    WarrenCli.Result started = install("--mode", "supervisor");
    assertThat(started.code()).as("%s", started).isZero();
    assertThat(started.output()).contains("replaced " + prefix.resolve("lib/warren.jar"), "kept the configuration file " + config,
        "Warren is running in the background", "supervised", "Warren runs under its own supervisor");
    assertThat(launcher(List.of("status")).output()).contains("supervised").contains("answering");
    String sbx = api("POST", "/v1/sandboxes", "{}");
    String id = sbx.replaceAll("^\\{\"id\":\"([^\"]+)\".*", "$1");
    String generation = generation(id);

    // the upgrade: the same command again with a (here: the same) newer jar; sandboxes are adopted
    WarrenCli.Result upgraded = install("--mode", "supervisor");
    assertThat(upgraded.code()).as("%s", upgraded).isZero();
    assertThat(upgraded.output()).contains("stopping Warren", "Warren stopped", "Warren is running in the background");
    assertThat(api("GET", "/v1/sandboxes/" + id, null)).contains("\"state\":\"running\"");
    assertThat(generation(id)).isEqualTo(generation);

    // the unit's bounding set does not break the runtime: a controller without those capabilities runs sandboxes
    assertThat(launcher(List.of("stop")).output()).endsWith("Warren stopped");
    List<String> cmd = new ArrayList<>(List.of("setpriv", "--bounding-set", String.join(",", Templates.DROPPED_CAPS.stream()
        .map(c -> "-" + c.substring(4).toLowerCase()).toList()), "--", prefix.resolve("bin/warren").toString(), "serve"));
    Process reduced = launcherProcess(cmd).start();
    try {
      awaitHealthy();
      // setpriv and the launcher exec: the process is the controller's JVM
      assertThat(ProcessHandle.of(reduced.pid()).flatMap(h -> h.info().command()).orElse("")).endsWith("/java");
      long bounding = Files.readAllLines(Path.of("/proc", Long.toString(reduced.pid()), "status")).stream()
          .filter(l -> l.startsWith("CapBnd:")).map(l -> Long.parseLong(l.substring(7).strip(), 16)).findFirst().orElseThrow();
      for (int bit : List.of(16, 22, 25, 28, 30, 32, 33, 34, 35, 36, 37)) {
        assertThat(bounding & (1L << bit)).as("capability %d dropped", bit).isZero();
      }
      assertThat(bounding & (1L << 21)).as("CAP_SYS_ADMIN kept").isNotZero();
      String created = api("POST", "/v1/sandboxes", "{}");
      String other = created.replaceAll("^\\{\"id\":\"([^\"]+)\".*", "$1");
      assertThat(api("POST", "/v1/sandboxes/" + other + "/exec", "{\"command\":\"id -u; hostname\"}")).contains("0\\n" + other);
      assertThat(api("GET", "/v1/sandboxes/" + id, null)).contains("\"state\":\"running\"");
    } finally {
      reduced.destroy();
      reduced.waitFor(60, TimeUnit.SECONDS);
    }

    WarrenCli.Result purged = WarrenCli.run(Map.of(), "uninstall", "--prefix", prefix.toString(), "--purge");
    assertThat(purged.code()).as("%s", purged).isZero();
    assertThat(purged.output()).contains("destroyed 2 sandboxes", "removed the data directory " + data,
        "removed the configuration file " + config, "removed Warren from " + prefix);
    assertThat(data).doesNotExist();
    assertThat(config).doesNotExist();
    assertThat(prefix).doesNotExist();
  }

  private WarrenCli.Result install(String... more) {
    List<String> args = new ArrayList<>(List.of("--config", config.toString(), "install", "--prefix", prefix.toString(), "--data",
        data.toString(), "--unit-dir", units.toString(), "--jar", jar.toString()));
    args.addAll(List.of(more));
    return WarrenCli.run(Map.of(), args.toArray(String[]::new));
  }

  record Launched(int code, String output) {}

  private ProcessBuilder launcherProcess(List<String> cmd) {
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(root.toFile()).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(root.resolve("foreground.log").toFile()));
    pb.environment().keySet().removeIf(k -> k.startsWith("WARREN_"));
    return pb;
  }

  private Launched launcher(List<String> args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(prefix.resolve("bin/warren").toString()));
    cmd.addAll(args);
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(root.toFile()).redirectErrorStream(true);
    pb.environment().keySet().removeIf(k -> k.startsWith("WARREN_"));
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    p.waitFor(120, TimeUnit.SECONDS);
    return new Launched(p.exitValue(), out);
  }

  private void awaitHealthy() throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
    Files.deleteIfExists(data.resolve("listen"));
    while (System.nanoTime() < deadline) {
      if (Files.exists(data.resolve("listen"))) {
        try {
          HttpResponse<Void> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://"
              + Files.readString(data.resolve("listen")).strip() + "/healthz")).build(), HttpResponse.BodyHandlers.discarding());
          if (r.statusCode() == 200) {
            return;
          }
        } catch (IOException e) {
          // not yet
        }
      }
      Thread.sleep(100);
    }
    throw new AssertionError("the controller did not come up:\n" + Files.readString(root.resolve("foreground.log")));
  }

  private String api(String method, String path, String body) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://" + Files.readString(data.resolve("listen")).strip() + path))
        .header("Authorization", "Bearer " + Files.readString(data.resolve("token")).strip())
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    HttpResponse<String> r = HttpClient.newHttpClient().send(b.build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as("%s %s: %s", method, path, r.body()).isLessThan(300);
    return r.body();
  }

  private String generation(String id) throws Exception {
    return api("GET", "/v1/sandboxes/" + id, null).replaceAll(".*\"generation\":(\\d+).*", "$1");
  }

  private static String mode(Path p) throws IOException {
    return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
  }

  /** A jar like the shaded one to the launcher: its manifest names the main class and this test's class path. */
  private static void writeLauncherJar(Path jar) throws IOException {
    Manifest m = new Manifest();
    m.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
    m.getMainAttributes().put(Attributes.Name.MAIN_CLASS, "dev.warren.Main");
    List<String> cp = new ArrayList<>();
    for (String e : System.getProperty("java.class.path").split(File.pathSeparator)) {
      cp.add(Path.of(e).toAbsolutePath().toUri().toString());
    }
    m.getMainAttributes().put(Attributes.Name.CLASS_PATH, String.join(" ", cp));
    try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar), m)) {
      out.flush();
    }
  }
}
