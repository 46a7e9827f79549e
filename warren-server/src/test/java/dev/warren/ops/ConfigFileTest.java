package dev.warren.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.warren.config.Catalog;
import dev.warren.config.Config;
import dev.warren.config.ConfigException;
import dev.warren.testing.WarrenCli;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigFileTest {
  @TempDir
  Path dir;

  @Test
  void settingsComeFromTheFileAndTheEnvironmentWins() throws Exception {
    Path f = dir.resolve("warren.env");
    Files.writeString(f, """
        # a comment
        WARREN_DATA=/srv/warren
        export WARREN_LISTEN="127.0.0.1:7171"
        WARREN_SHUTDOWN_GRACE=3s

        WARREN_LOG_MAX_SIZE=200MB
        WARREN_LOG_DIR=off
        """);
    Config c = Config.from(Map.of("WARREN_CONFIG", f.toString(), "WARREN_LISTEN", "127.0.0.1:7272"));
    assertThat(c.dataDir()).isEqualTo(Path.of("/srv/warren"));
    assertThat(c.listen().getPort()).isEqualTo(7272);
    assertThat(c.shutdownGrace()).isEqualTo(Duration.ofSeconds(3));
    assertThat(c.logging().maxTotalBytes()).isEqualTo(200L << 20);
    assertThat(c.logging().dir()).isEmpty();
    assertThat(Config.from(Map.of("WARREN_DATA", "/srv/w")).logging().dir()).contains(Path.of("/srv/w/logs"));
  }

  @Test
  void aBadLineNamesTheSettingTheFileAndTheLine() throws Exception {
    Path f = dir.resolve("warren.env");
    Files.writeString(f, "WARREN_DATA=/srv/warren\n\nWARREN_LISTN=127.0.0.1:1\n");
    assertThatThrownBy(() -> Config.from(Map.of("WARREN_CONFIG", f.toString())))
        .isInstanceOf(ConfigException.class).hasMessage("WARREN_LISTN: unknown setting in " + f
            + " line 3 (every setting starts with WARREN_; see docs/operations.md)");
    Files.writeString(f, "WARREN_SHUTDOWN_GRACE=forever\n");
    assertThatThrownBy(() -> Config.from(Map.of("WARREN_CONFIG", f.toString())))
        .hasMessageStartingWith("WARREN_SHUTDOWN_GRACE: expected a duration");
    Files.writeString(f, "WARREN_LOG_MAX_SIZE=lots\n");
    assertThatThrownBy(() -> Config.from(Map.of("WARREN_CONFIG", f.toString())))
        .hasMessageStartingWith("WARREN_LOG_MAX_SIZE: expected a size like 500MB");
    Files.writeString(f, "just words\n");
    assertThatThrownBy(() -> Config.from(Map.of("WARREN_CONFIG", f.toString())))
        .hasMessage("WARREN_CONFIG: expected NAME=value in " + f + " line 1, got 'just words'");
    assertThatThrownBy(() -> Config.from(Map.of("WARREN_CONFIG", "relative/warren.env")))
        .hasMessage("WARREN_CONFIG: must be an absolute path, got 'relative/warren.env'");
    assertThatThrownBy(() -> Config.from(Map.of("WARREN_CONFIG", dir.resolve("missing.env").toString())))
        .hasMessage("WARREN_CONFIG: no such file: " + dir.resolve("missing.env"));
  }

  @Test
  void serveWithABadConfigFileStopsWithOneLineNamingTheSetting() throws Exception {
    Path f = dir.resolve("warren.env");
    Files.writeString(f, "WARREN_DATA=" + dir.resolve("data") + "\nWARREN_LISTEN=nowhere\n");
    WarrenCli.Result r = WarrenCli.run(Map.of(), "--config", f.toString(), "serve");
    assertThat(r.code()).as("%s", r).isEqualTo(2);
    assertThat(r.output()).isEqualTo("warren: WARREN_LISTEN: expected host:port such as 127.0.0.1:7070, got 'nowhere'");
    assertThat(dir.resolve("data")).doesNotExist();
    WarrenCli.Result check = WarrenCli.run(Map.of("WARREN_CONFIG", f.toString()), "config", "check");
    assertThat(check.code()).isEqualTo(2);
    assertThat(check.output()).isEqualTo(r.output());
  }

  @Test
  void anUnknownRuntimeFailsTheConfigCheckNamingTheSettingAndTheKnownRuntimes() {
    assertThatThrownBy(() -> Config.from(Map.of("WARREN_RUNTIME", "firecracker"))).isInstanceOf(ConfigException.class)
        .hasMessage("WARREN_RUNTIME: unknown runtime 'firecracker'; known runtimes: crun, microvm");
    assertThat(Config.from(Map.of()).runtime()).isEqualTo("crun");
    WarrenCli.Result check = WarrenCli.run(Map.of("WARREN_RUNTIME", "firecracker", "WARREN_DATA", dir.resolve("data").toString()),
        "config", "check");
    assertThat(check.code()).as("%s", check).isEqualTo(2);
    assertThat(check.output()).isEqualTo("warren: WARREN_RUNTIME: unknown runtime 'firecracker'; known runtimes: crun, microvm");
    assertThat(dir.resolve("data")).doesNotExist();
  }

  @Test
  void theWrittenConfigurationFileDocumentsEverySettingAndReadsBackAsTheDefaults() throws Exception {
    String text = Templates.config(Map.of("WARREN_DATA", "/var/lib/warren"));
    for (Catalog.Entry e : Catalog.entries()) {
      if (!e.name().equals("WARREN_CONFIG")) {
        assertThat(text).as("the file documents %s", e.name()).containsPattern("(?m)^#?" + e.name() + "=" + java.util.regex.Pattern.quote(e.dflt()) + "$");
      }
    }
    Path f = dir.resolve("warren.env");
    Files.writeString(f, text);
    Config fromFile = Config.from(Map.of("WARREN_CONFIG", f.toString()));
    Config defaults = Config.from(Map.of());
    assertThat(fromFile).isEqualTo(defaults);
  }

  @Test
  void everySettingIsInTheOperationsGuide() throws Exception {
    Path guide = Path.of(System.getProperty("user.dir")).resolveSibling("docs").resolve("operations.md");
    String text = Files.readString(guide);
    for (Catalog.Entry e : Catalog.entries()) {
      assertThat(text).as("docs/operations.md documents %s", e.name()).contains("`" + e.name() + "`");
    }
  }
}
