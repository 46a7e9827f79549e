package dev.warren.cli;

import dev.warren.config.ConfigException;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/** The {@code warren} command line. */
@Command(name = "warren", mixinStandardHelpOptions = true, versionProvider = Cli.VersionProvider.class,
    description = "Sandboxes, shells and browsers for AI agents.")
public final class Cli implements Runnable {
  /** The subcommands, in the order the usage lists them. */
  private static final List<Class<?>> COMMANDS = List.of(ServeCommand.class, DaemonCommands.Stop.class, DaemonCommands.Status.class,
      DaemonCommands.Supervise.class, InstallCommands.Install.class, InstallCommands.Uninstall.class, InstallCommands.ConfigCommand.class,
      BackupCommands.Backup.class, BackupCommands.Restore.class, ImageCommand.class, TokenCommand.class, SandboxCommand.class,
      ShellCommand.class, BrowserCommand.class, VolumeCommand.class, McpCommand.class, TeardownCommand.class, AotCommand.class);

  @Option(names = "--config", paramLabel = "FILE", scope = ScopeType.INHERIT,
      description = "configuration file of WARREN_NAME=value lines (instead of $WARREN_CONFIG); the environment wins over it")
  void config(java.nio.file.Path file) {
    CliConfig.useFile(file);
  }

  public static int run(String... args) {
    if (args.length == 1 && args[0].equals("serve")) {
      // how a supervisor restarts a killed controller: without building the command line (a third
      // of a second of picocli reading annotations, which the start-up cache cannot keep)
      try {
        return new ServeCommand().call();
      } catch (Exception e) {
        return exitCode(e, new java.io.PrintWriter(System.err, true));
      }
    }
    return commandLine(args).execute(args);
  }

  /** What a command that threw {@code e} exits with, after saying why on {@code err}. */
  static int exitCode(Exception e, java.io.PrintWriter err) {
    err.println("warren: " + (e.getMessage() == null ? e.toString() : e.getMessage()));
    if (e instanceof ConfigException) {
      return 2;
    }
    if (e instanceof dev.warren.ops.DataLock.AlreadyRunning) {
      return 3;
    }
    return 1;
  }

  /**
   * The command line with its handlers, ready to execute {@code args}. Only the subcommand named
   * is built when there is one: picocli reads every command's annotations when it is added, which
   * cost a restarting controller a few hundred milliseconds before it began to start (picocli's
   * classes cannot be kept in the start-up cache). Help, a mistyped name and no name get them all.
   */
  static CommandLine commandLine(String... args) {
    CommandLine cl = new CommandLine(new Cli());
    Optional<Class<?>> named = named(args);
    for (Class<?> c : named.map(List::<Class<?>>of).orElse(COMMANDS)) {
      cl.addSubcommand(c);
    }
    CommandLine sandbox = cl.getSubcommands().get("sandbox");
    if (sandbox != null) {
      // everything after the sandbox id is the command, its options included (warren sandbox exec sbx_… uname -a)
      sandbox.getSubcommands().get("exec").setStopAtPositional(true);
    }
    cl.setExecutionExceptionHandler((e, cmd, parsed) -> exitCode(e, cmd.getErr()));
    return cl;
  }

  /** The subcommand {@code args} name after the top-level options, if it is one of ours. */
  private static Optional<Class<?>> named(String... args) {
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if (a.equals("--config")) {
        i++;
      } else if (!a.startsWith("--config=")) {
        for (Class<?> c : COMMANDS) {
          Command command = c.getAnnotation(Command.class);
          if (command.name().equals(a) || List.of(command.aliases()).contains(a)) {
            return Optional.of(c);
          }
        }
        return Optional.empty();
      }
    }
    return Optional.empty();
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
