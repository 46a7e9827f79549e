package dev.warren.cli;

import dev.warren.config.ConfigException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code warren} command line. */
@Command(name = "warren", mixinStandardHelpOptions = true, version = "warren 0.1.0",
    description = "Sandboxes, shells and browsers for AI agents.",
    subcommands = {ServeCommand.class, ImageCommand.class, TokenCommand.class, SandboxCommand.class, ShellCommand.class, TeardownCommand.class})
public final class Cli implements Runnable {

  public static int run(String... args) {
    CommandLine cl = new CommandLine(new Cli());
    cl.setExecutionExceptionHandler((e, cmd, parsed) -> {
      if (e instanceof ConfigException) {
        cmd.getErr().println("warren: " + e.getMessage());
        return 2;
      }
      cmd.getErr().println("warren: " + (e.getMessage() == null ? e.toString() : e.getMessage()));
      return 1;
    });
    return cl.execute(args);
  }

  @Override
  public void run() {
    new CommandLine(this).usage(System.out);
  }
}
