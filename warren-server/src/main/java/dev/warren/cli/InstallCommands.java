package dev.warren.cli;

import dev.warren.Main;
import dev.warren.config.Config;
import dev.warren.ops.Installer;
import dev.warren.ops.OpsException;
import dev.warren.ops.Uninstaller;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code warren install}, {@code warren uninstall} and {@code warren config check}. */
final class InstallCommands {
  private InstallCommands() {}

  @Command(name = "install", mixinStandardHelpOptions = true, description = {"Install Warren from this jar (as root): jar and launcher under --prefix, the documented "
      + "configuration file (--config, default /etc/warren/warren.env), the data directory, and a systemd service (where systemd is "
      + "PID 1) or the supervisor.",
      "Installing a newer jar over an older install is the upgrade: configuration and data are kept."})
  static final class Install implements Callable<Integer> {
    @Option(names = "--prefix", defaultValue = "/opt/warren", description = "where the jar and launcher go (default: ${DEFAULT-VALUE})")
    Path prefix;

    @Option(names = "--data", defaultValue = "/var/lib/warren", description = "data directory written into a new configuration file (default: ${DEFAULT-VALUE})")
    Path data;

    @Option(names = "--unit-dir", defaultValue = "/etc/systemd/system", description = "where the systemd unit goes (default: ${DEFAULT-VALUE})")
    Path unitDir;

    @Option(names = "--mode", defaultValue = "auto", description = "auto (systemd when it is PID 1), systemd or supervisor")
    String mode;

    @Option(names = "--no-start", description = "put everything in place but do not start Warren")
    boolean noStart;

    @Option(names = "--jar", description = "the jar to install (default: the one running this command)")
    Path jar;

    @Option(names = "--java", description = "the java binary the launcher uses (default: the one running this command)")
    Path java;

    @Override
    public Integer call() throws Exception {
      if (!Integer.valueOf(0).equals(Files.getAttribute(Path.of("/proc/self"), "unix:uid"))) {
        throw new OpsException("install needs root (it writes under " + prefix + " and runs Warren, which needs namespaces, "
            + "cgroups and mounts): run it with sudo");
      }
      Installer.Mode m = switch (mode) {
        case "auto" -> Installer.Mode.detect();
        case "systemd" -> Installer.Mode.SYSTEMD;
        case "supervisor" -> Installer.Mode.SUPERVISOR;
        default -> throw new OpsException("--mode: expected auto, systemd or supervisor, got '" + mode + "'");
      };
      // the configuration file: --config (the global option), else the usual place
      Path configFile = CliConfig.file().orElse(Path.of("/etc/warren/warren.env"));
      Path jarFile = jar != null ? jar : Path.of(Main.class.getProtectionDomain().getCodeSource().getLocation().toURI());
      Path javaBin = java != null ? java : Path.of(ProcessHandle.current().info().command().orElseThrow(
          () -> new OpsException("cannot tell which java runs this; pass --java")));
      for (Path p : new Path[] {prefix, configFile, data, unitDir}) {
        if (!p.isAbsolute()) {
          throw new OpsException("install paths must be absolute, got " + p);
        }
      }
      new Installer(new Installer.Plan(prefix.normalize(), configFile.normalize(), data.normalize(), unitDir.normalize(), m,
          jarFile.toAbsolutePath(), javaBin.toAbsolutePath(), !noStart), System.out).install();
      return 0;
    }
  }

  @Command(name = "uninstall", mixinStandardHelpOptions = true, description = "Stop Warren and remove the service, the launcher and the jar. Keeps the data "
      + "directory and the configuration file unless --purge.")
  static final class Uninstall implements Callable<Integer> {
    @Option(names = "--prefix", defaultValue = "/opt/warren", description = "where Warren was installed (default: ${DEFAULT-VALUE})")
    Path prefix;

    @Option(names = "--purge", description = "also destroy every sandbox and delete the data directory and the configuration file")
    boolean purge;

    @Override
    public Integer call() {
      new Uninstaller(prefix.toAbsolutePath().normalize(), purge, System.out).uninstall();
      return 0;
    }
  }

  @Command(name = "config", mixinStandardHelpOptions = true, description = "Check the settings (environment and configuration file).", subcommands = ConfigCheck.class)
  static final class ConfigCommand implements Runnable {
    @Override
    public void run() {
      new ConfigCheck().call();
    }
  }

  @Command(name = "check", mixinStandardHelpOptions = true, description = "Validate every setting; exit code 2 and one line naming the bad one otherwise.")
  static final class ConfigCheck implements Callable<Integer> {
    @Override
    public Integer call() {
      Config c = CliConfig.load();
      String file = CliConfig.environment().getOrDefault("WARREN_CONFIG", "");
      System.out.println("configuration OK" + (file.isEmpty() ? " (environment only)" : ": " + file) + "; data " + c.dataDir()
          + ", listen " + c.listen().getAddress().getHostAddress() + ":" + c.listen().getPort());
      return 0;
    }
  }
}
