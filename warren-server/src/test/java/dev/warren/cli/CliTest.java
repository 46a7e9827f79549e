package dev.warren.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warren.testing.WarrenFixture;
import dev.warren.testing.WarrenCli;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import picocli.CommandLine;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The {@code warren} command line as a new user meets it, against a real Warren. */
class CliTest {
  static final JsonMapper JSON = JsonMapper.builder().build();

  @RegisterExtension
  static final WarrenFixture warren = WarrenFixture.withBrowserImage();

  @Test
  void helpListsEveryCommandAndEverySubcommandAnswersHelp() {
    CommandLine root = Cli.commandLine();
    String help = root.getUsageMessage();
    for (String name : List.of("serve", "sandbox", "shell", "browser", "volume", "mcp", "image", "token", "backup", "stop", "status")) {
      assertThat(help).as("warren --help").contains("  " + name);
    }
    List<CommandLine> all = new ArrayList<>();
    collect(root, all);
    assertThat(all).hasSizeGreaterThan(20);
    for (CommandLine c : all) {
      StringWriter out = new StringWriter();
      c.setOut(new PrintWriter(out));
      assertThat(c.execute("--help")).as("%s --help", c.getCommandSpec().qualifiedName()).isZero();
      assertThat(out.toString()).as("%s --help", c.getCommandSpec().qualifiedName()).startsWith("Usage: " + c.getCommandSpec().qualifiedName());
    }
  }

  @Test
  void aNamedCommandIsBuiltAloneAndEverythingElseGetsTheWholeTree() {
    assertThat(Cli.commandLine("serve").getSubcommands()).containsOnlyKeys("serve");
    assertThat(Cli.commandLine("--config", "/etc/warren.conf", "sbx", "ls").getSubcommands()).containsOnlyKeys("sandbox", "sbx");
    assertThat(Cli.commandLine("--config=/etc/warren.conf", "browser").getSubcommands()).containsOnlyKeys("browser");
    assertThat(Cli.commandLine("--help").getSubcommands()).containsKeys("serve", "sandbox", "browser", "aot").hasSizeGreaterThan(17);
    assertThat(Cli.commandLine("servee").getSubcommands()).as("a mistyped name is told the commands there are").containsKey("serve");
    StringWriter err = new StringWriter();
    CommandLine typo = Cli.commandLine("servee");
    typo.setErr(new PrintWriter(err));
    assertThat(typo.execute("servee")).isNotZero();
    assertThat(err.toString()).contains("serve");
  }

  private static void collect(CommandLine c, List<CommandLine> into) {
    into.add(c);
    c.getSubcommands().values().stream().distinct().forEach(s -> collect(s, into));
  }

  @Test
  void execTakesEverythingAfterTheIdAsTheCommandAndLsFiltersAndSpeaksJson() throws Exception {
    WarrenCli.Result created = WarrenCli.run(warren.server().env(), "sandbox", "create", "--label", "made-by=cli-test", "--output", "json");
    assertThat(created.code()).as("%s", created).isZero();
    String id = JSON.readTree(created.output()).path("id").asString();
    try {
      WarrenCli.Result uname = WarrenCli.run(warren.server().env(), "sandbox", "exec", id, "uname", "-a");
      assertThat(uname.code()).as("%s", uname).isZero();
      assertThat(uname.output()).startsWith("Linux " + id);
      WarrenCli.Result failed = WarrenCli.run(warren.server().env(), "sandbox", "exec", id, "ls", "-d", "/nope");
      assertThat(failed.code()).isEqualTo(2);
      assertThat(failed.output()).contains("/nope");
      // several words are argv, quoted as they are; one word is a shell line; a leading -- is dropped
      WarrenCli.Result argv = WarrenCli.run(warren.server().env(), "sandbox", "exec", id, "--", "sh", "-c", "echo \"$1 it's\" | tr a-z A-Z", "x",
          "here");
      assertThat(argv.code()).as("%s", argv).isZero();
      assertThat(argv.output()).isEqualTo("HERE IT'S");
      WarrenCli.Result line = WarrenCli.run(warren.server().env(), "sandbox", "exec", id, "echo a b | wc -w");
      assertThat(line.output().strip()).isEqualTo("2");

      JsonNode listed = JSON.readTree(WarrenCli.run(warren.server().env(), "sandbox", "ls", "--label", "made-by=cli-test", "--state", "running", "-o", "json")
          .output());
      assertThat(listed.findValuesAsString("id")).containsExactly(id);
      assertThat(JSON.readTree(WarrenCli.run(warren.server().env(), "sandbox", "ls", "--label", "made-by=cli-test", "--state", "stopped", "--output",
          "json").output())).isEmpty();
      assertThat(WarrenCli.run(warren.server().env(), "sandbox", "ls", "--label", "made-by=cli-test").output()).contains(id, "running", "made-by=cli-test");
      WarrenCli.Result badState = WarrenCli.run(warren.server().env(), "sandbox", "ls", "--state", "asleep");
      assertThat(badState.code()).isNotZero();
      assertThat(badState.output()).contains("--state must be creating, starting, running, stopping, stopped or failed, got 'asleep'");
    } finally {
      assertThat(WarrenCli.run(warren.server().env(), "sandbox", "rm", id).code()).isZero();
    }
  }

  @Test
  void shellEndsWhenItsInputEndsAndRefusesAZeroSizedTerminal() throws Exception {
    String id = warren.server().createSandbox("{}");
    try {
      ProcessBuilder pb = new ProcessBuilder(WarrenCli.command("shell", id)).redirectErrorStream(true);
      pb.environment().putAll(warren.server().env());
      Process p = pb.start();
      p.getOutputStream().write("echo shell-$((6*7))\n".getBytes(StandardCharsets.UTF_8));
      p.getOutputStream().close();
      assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("warren shell ended after its input did").isTrue();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(p.exitValue()).as(out).isZero();
      assertThat(out).contains("shell-42");

      // a terminal of 0×0 (script gives the command a pty; stty sizes it)
      String cmd = "stty cols 0 rows 0; exec " + String.join(" ", WarrenCli.command("shell", id).stream().map(a -> "'" + a + "'").toList());
      ProcessBuilder zb = new ProcessBuilder("script", "-qec", cmd, "/dev/null").redirectErrorStream(true);
      zb.environment().putAll(warren.server().env());
      Process zero = zb.start();
      zero.getOutputStream().close();
      assertThat(zero.waitFor(60, TimeUnit.SECONDS)).isTrue();
      String said = new String(zero.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(zero.exitValue()).as(said).isEqualTo(2);
      assertThat(said).contains("this terminal reports a size of 0×0");
    } finally {
      warren.server().delete("/v1/sandboxes/" + id);
    }
  }

  @Test
  void browserCommandsAndTheMcpSnippet() throws IOException {
    WarrenCli.Result created = WarrenCli.run(warren.server().env(), "browser", "create", "--key", "cli-test", "-o", "json");
    assertThat(created.code()).as("%s", created).isZero();
    String id = JSON.readTree(created.output()).path("id").asString();
    assertThat(id).matches("brw_[0-9a-z]{26}");
    assertThat(WarrenCli.run(warren.server().env(), "browser", "ls").output()).contains(id, "ready", "cli-test");
    assertThat(WarrenCli.run(warren.server().env(), "browser", "live", id).output()).startsWith(warren.server().base() + "/live/browsers/" + id + "?token=");
    // the browser's own sandbox is marked in the sandbox list
    assertThat(WarrenCli.run(warren.server().env(), "sandbox", "ls").output()).contains("warren.browser=" + id);
    assertThat(WarrenCli.run(warren.server().env(), "browser", "rm", id).code()).isZero();
    assertThat(warren.server().get("/v1/browsers/" + id).json().path("state").asString()).isEqualTo("closed");

    JsonNode mcp = JSON.readTree(WarrenCli.run(warren.server().env(), "mcp").output()).path("mcpServers").path("warren");
    assertThat(mcp.path("url").asString()).isEqualTo(warren.server().base() + "/mcp");
    assertThat(mcp.path("headers").path("Authorization").asString()).isEqualTo("Bearer " + warren.server().token());
    assertThat(WarrenCli.run(warren.server().env(), "mcp", "--claude").output())
        .isEqualTo("claude mcp add --transport http warren " + warren.server().base() + "/mcp --header 'Authorization: Bearer " + warren.server().token() + "'");
  }
}
