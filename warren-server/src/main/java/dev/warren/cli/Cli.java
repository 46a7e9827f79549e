package dev.warren.cli;

import dev.warren.config.ConfigException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/** The {@code warren} command line. */
@Command(name = "warren", mixinStandardHelpOptions = true, versionProvider = Cli.VersionProvider.class,
    description = "Sandboxes, shells and browsers for AI agents.",
    subcommands = {ServeCommand.class, DaemonCommands.Stop.class, DaemonCommands.Status.class, DaemonCommands.Supervise.class,
        InstallCommands.Install.class, InstallCommands.Uninstall.class, InstallCommands.ConfigCommand.class, BackupCommands.Backup.class,
        BackupCommands.Restore.class, ImageCommand.class, TokenCommand.class, SandboxCommand.class, ShellCommand.class,
        BrowserCommand.class, McpCommand.class, TeardownCommand.class, AotCommand.class})
public final class Cli implements Runnable {

  @Option(names = "--config", paramLabel = "FILE", scope = ScopeType.INHERIT,
      description = "configuration file of WARREN_NAME=value lines (instead of $WARREN_CONFIG); the environment wins over it")
  void config(java.nio.file.Path file) {
    CliConfig.useFile(file);
  }

  public static int run(String... args) {
    return commandLine().execute(args);
  }

  /** The command line with its handlers, ready to execute. */
  static CommandLine commandLine() {
    CommandLine cl = new CommandLine(new Cli());
    // everything after the sandbox id is the command, its options included (warren sandbox exec sbx_… uname -a)
    cl.getSubcommands().get("sandbox").getSubcommands().get("exec").setStopAtPositional(true);
    cl.setExecutionExceptionHandler((e, cmd, parsed) -> {
      if (e instanceof ConfigException) {
        cmd.getErr().println("warren: " + e.getMessage());
        return 2;
      }
      if (e instanceof dev.warren.ops.DataLock.AlreadyRunning) {
        cmd.getErr().println("warren: " + e.getMessage());
        return 3;
      }
      cmd.getErr().println("warren: " + (e.getMessage() == null ? e.toString() : e.getMessage()));
      return 1;
    });
    return cl;
  }

  /** {@code warren --version}. */
  static final class VersionProvider implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"warren " + dev.warren.Version.CURRENT};
    }
  }

  @Override
  public void run() {
    new CommandLine(this).usage(System.out);
  }
}
