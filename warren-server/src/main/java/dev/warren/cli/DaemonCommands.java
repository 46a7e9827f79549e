package dev.warren.cli;

import dev.warren.config.Config;
import dev.warren.log.LogSetup;
import dev.warren.ops.DaemonControl;
import dev.warren.ops.Supervisor;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code warren stop}, {@code warren status} and the hidden {@code warren supervise}. */
final class DaemonCommands {
  private DaemonCommands() {}

  @Command(name = "stop", mixinStandardHelpOptions = true, description = "Stop the Warren of this data directory (SIGTERM, graceful); sandboxes keep running.")
  static final class Stop implements Callable<Integer> {
    @Option(names = "--pid-file", paramLabel = "FILE", description = "pid file (default: $WARREN_DATA/warren.pid)")
    Path pidFile;

    @Option(names = "--timeout", paramLabel = "SECONDS", description = "how long to wait (default: WARREN_SHUTDOWN_GRACE + 20)")
    Long timeoutSeconds;

    @Option(names = "--force", description = "kill it (SIGKILL) if it has not stopped by then")
    boolean force;

    @Override
    public Integer call() {
      Config config = CliConfig.load();
      Duration timeout = timeoutSeconds != null ? Duration.ofSeconds(timeoutSeconds) : config.shutdownGrace().plusSeconds(20);
      return DaemonControl.stop(config, Optional.ofNullable(pidFile).map(Path::toAbsolutePath), timeout, force, System.out);
    }
  }

  @Command(name = "status", mixinStandardHelpOptions = true, description = "Say whether Warren runs on this data directory (exit code 0) or not (3).")
  static final class Status implements Callable<Integer> {
    @Option(names = "--pid-file", paramLabel = "FILE", description = "pid file (default: $WARREN_DATA/warren.pid)")
    Path pidFile;

    @Override
    public Integer call() {
      return DaemonControl.status(CliConfig.load(), Optional.ofNullable(pidFile).map(Path::toAbsolutePath), System.out);
    }
  }

  @Command(name = "supervise", mixinStandardHelpOptions = true, hidden = true, description = "Run the controller as a child and restart it when it crashes (serve --daemon --supervise).")
  static final class Supervise implements Callable<Integer> {
    @Option(names = "--pid-file", paramLabel = "FILE")
    Path pidFile;

    @Override
    public Integer call() {
      dev.warren.ops.DataPermissions.restrictUmask();
      Config config = CliConfig.load();
      LogSetup.configure(new Config.Logging("WARN", Optional.empty(), config.logging().maxTotalBytes(), config.logging().retention()));
      try {
        return new Supervisor(config, Optional.ofNullable(pidFile), System.out).run();
      } finally {
        LogSetup.stop();
      }
    }
  }
}
