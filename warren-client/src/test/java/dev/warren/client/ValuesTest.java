package dev.warren.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ValuesTest {

  @Test
  void specBecomesTheDocumentedCreateBody() {
    var spec = SandboxSpec.builder()
        .image("base").env("FOO", "bar").label("agent", "a42")
        .memoryMb(512).pids(256).cpus(1.0)
        .allowEgress("example.com:443", "*.pypi.org").upstreamProxy("http://u:p@proxy:3128")
        .reach("sbx_01jd6x0000000000000000000b:3000", "sbx_01jd6x0000000000000000000c")
        .idleTimeout(Duration.ofMinutes(30))
        .build();

    assertThat(Json.write(Wire.spec(spec))).isEqualTo("""
        {"image":"base","env":{"FOO":"bar"},"labels":{"agent":"a42"},\
        "limits":{"memoryMb":512,"pids":256,"cpus":1.0},\
        "egress":{"allow":["example.com:443","*.pypi.org"],"upstreamProxy":"http://u:p@proxy:3128",\
        "reach":["sbx_01jd6x0000000000000000000b:3000","sbx_01jd6x0000000000000000000c"]},\
        "idleTimeoutSeconds":1800}""");
  }

  @Test
  void defaultSpecSendsAnEmptyObject() {
    assertThat(Json.write(Wire.spec(SandboxSpec.defaults()))).isEqualTo("{}");
  }

  @Test
  void reachAloneSendsAnEgressThatAllowsNoHostAndOlderAnswersReachNothing() {
    var spec = SandboxSpec.builder().reach("sbx_01jd6x0000000000000000000b").build();
    assertThat(Json.write(Wire.spec(spec)))
        .isEqualTo("{\"egress\":{\"allow\":[],\"reach\":[\"sbx_01jd6x0000000000000000000b\"]}}");
    var older = Wire.egress(JsonFields.of(Json.parse("{\"egress\":{\"allow\":[\"*\"],\"upstreamProxy\":null}}"), "sandbox"));
    assertThat(older).isEqualTo(new EgressPolicy(List.of("*"), Optional.empty()));
    assertThat(older.reach()).isEmpty();
    assertThat(older.withReach(List.of("sbx_01jd6x0000000000000000000b")).reach()).containsExactly("sbx_01jd6x0000000000000000000b");
  }

  @Test
  void specRejectsBadValuesNamingThem() {
    assertThatThrownBy(() -> SandboxSpec.builder().memoryMb(-5)).hasMessage("memoryMb must be positive, got -5");
    assertThatThrownBy(() -> SandboxSpec.builder().pids(0)).hasMessage("pids must be positive, got 0");
    assertThatThrownBy(() -> SandboxSpec.builder().cpus(Double.NaN)).hasMessageContaining("cpus must be a positive");
    assertThatThrownBy(() -> SandboxSpec.builder().idleTimeout(Duration.ofMillis(1500)).build())
        .hasMessageContaining("idleTimeout must be whole seconds");
    assertThatThrownBy(() -> SandboxSpec.builder().env("A=B", "x").build()).hasMessageContaining("must not contain '='");
    assertThatThrownBy(() -> SandboxSpec.builder().label(" ", "x").build()).hasMessageContaining("labels names");
    assertThatThrownBy(() -> SandboxSpec.builder().upstreamProxy("socks5://u:pw@h:1").build())
        .hasMessageContaining("socks5://u:***@h:1")
        .hasMessageNotContaining("pw");
    assertThatThrownBy(() -> SandboxSpec.builder().reach(" ").build()).hasMessage("egress reach entries must not be blank");
    assertThatThrownBy(() -> SandboxSpec.builder().image(null)).isInstanceOf(NullPointerException.class)
        .hasMessage("image");
  }

  @Test
  void proxyPasswordNeverShowsInToString() {
    var spec = SandboxSpec.builder().upstreamProxy("http://user:hunter2@proxy.corp:3128").build();
    assertThat(spec.toString()).contains("http://user:***@proxy.corp:3128").doesNotContain("hunter2");
    assertThat(EgressPolicy.masked("http://proxy:3128")).isEqualTo("http://proxy:3128");
  }

  @Test
  void execRequestsBecomeTheDocumentedBody() {
    var request = ExecRequest.argv("ls", "-l").cwd("/tmp").env("A", "1").stdin("x")
        .timeout(Duration.ofMillis(4500));
    assertThat(Json.write(Wire.exec(request))).isEqualTo(
        "{\"argv\":[\"ls\",\"-l\"],\"env\":{\"A\":\"1\"},\"cwd\":\"/tmp\",\"stdin\":\"x\",\"timeoutSeconds\":5}");
    assertThat(Json.write(Wire.exec(ExecRequest.command("echo hi"))))
        .isEqualTo("{\"command\":\"echo hi\",\"timeoutSeconds\":60}");
  }

  @Test
  void execRequestsAreValidated() {
    assertThatThrownBy(() -> ExecRequest.argv(new String[0])).hasMessageContaining("argv must name a program");
    assertThatThrownBy(() -> ExecRequest.command(" ")).hasMessageContaining("command must not be blank");
    assertThatThrownBy(() -> ExecRequest.command("x").cwd("tmp")).hasMessageContaining("cwd must be an absolute path");
    assertThatThrownBy(() -> ExecRequest.command("x").timeout(Duration.ZERO)).hasMessageContaining("timeout must be positive");
    assertThatThrownBy(() -> new ExecRequest(Optional.of("x"), List.of("y"), Map.of(), Optional.empty(),
        Optional.empty(), Duration.ofSeconds(1))).hasMessageContaining("exactly one of command or argv");
  }

  @Test
  void queriesRejectAmbiguousLabels() {
    assertThatThrownBy(() -> SandboxQuery.all().withLabel("a=b", "c")).hasMessageContaining("must not contain '='");
    assertThatThrownBy(() -> SandboxQuery.all().withState(SandboxState.UNKNOWN)).hasMessageContaining("UNKNOWN");
  }

  @Test
  void fileEntryShowsItsModeInOctal() {
    var entry = new FileEntry("a", FileEntry.Type.FILE, 1, 0644, Instant.EPOCH);
    assertThat(entry.octalMode()).isEqualTo("0644");
  }

  @Test
  void builderValidatesItsSettings() {
    assertThatThrownBy(() -> Warren.builder().baseUrl("ftp://host")).hasMessageContaining("http:// or https://");
    assertThatThrownBy(() -> Warren.builder().baseUrl("http://h/?x=1")).hasMessageContaining("query");
    assertThatThrownBy(() -> Warren.builder().baseUrl("not a url")).hasMessageContaining("not a URL");
    assertThatThrownBy(() -> Warren.builder().token("  ")).hasMessage("token must not be blank");
    assertThatThrownBy(() -> Warren.builder().token("a b")).hasMessageContaining("printable ASCII");
    assertThatThrownBy(() -> Warren.builder().maxAttempts(0)).hasMessageContaining("maxAttempts must be at least 1");
    assertThatThrownBy(() -> Warren.builder().requestTimeout(Duration.ofSeconds(-1)))
        .hasMessage("requestTimeout must be positive, got PT-1S");
    assertThatThrownBy(() -> Warren.builder().build()).hasMessageContaining("no token");
  }

  @Test
  void tokenFileIsReadAndTrimmed(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("token");
    Files.writeString(file, "  abc123\n");
    try (var server = new FakeServer().otherwise(r -> FakeServer.json(200, "{\"status\":\"ok\"}"));
         var warren = Warren.builder().baseUrl(server.baseUrl() + "/").tokenFile(file).build()) {
      assertThat(warren.ping()).isTrue();
      assertThat(server.requests().getFirst().header("Authorization")).isEqualTo("Bearer abc123");
    }
    assertThatThrownBy(() -> Warren.builder().tokenFile(dir.resolve("missing")))
        .isInstanceOf(UncheckedIOException.class).hasMessageContaining("missing");
    Files.writeString(file, "\n");
    assertThatThrownBy(() -> Warren.builder().tokenFile(file)).hasMessageContaining("is empty");
  }
}
