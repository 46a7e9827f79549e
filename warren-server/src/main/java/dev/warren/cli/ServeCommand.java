package dev.warren.cli;

import dev.warren.Server;
import dev.warren.config.Config;
import dev.warren.log.LogSetup;
import dev.warren.ops.Daemon;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "serve", mixinStandardHelpOptions = true, description = {"Run the Warren controller: in the foreground, or with --daemon in the background "
    + "(pid file, log file; --supervise restarts it when it crashes).", "Settings: WARREN_* variables or --config FILE (docs/operations.md)."})
final class ServeCommand implements Callable<Integer> {

  @Option(names = "--daemon", description = "run in the background: detach, write the pid file, return once the API answers")
  boolean daemon;

  @Option(names = "--supervise", description = "with --daemon: a supervisor restarts the controller when it exits abnormally")
  boolean supervise;

  @Option(names = "--pid-file", paramLabel = "FILE", description = "pid file of the background Warren (default: $WARREN_DATA/warren.pid)")
  Path pidFile;

  @Option(names = "--wait", paramLabel = "SECONDS", defaultValue = "120", description = "with --daemon: how long to wait for the API (default: 120)")
  long waitSeconds;

  @Override
  public Integer call() throws Exception {
    // before the first file is written (console, pid file, log): what the controller makes is its own
    dev.warren.ops.DataPermissions.restrictUmask();
    Config config = CliConfig.load();
    if (daemon || supervise) {
      Daemon.start(config, CliConfig.environment(), new Daemon.Options(Optional.ofNullable(pidFile).map(Path::toAbsolutePath), supervise,
          Duration.ofSeconds(waitSeconds)), System.out);
      return 0;
    }
    LogSetup.configure(config.logging());
    Server server;
    try {
      server = Server.start(config);
    } catch (Throwable e) {
      // the lines saying why are still queued for the log's writer: written out before the process exits
      LogSetup.stop();
      throw e;
    }
    if (server.tokens().created()) {
      // the token is shown only to a person at a terminal: redirected output (a background Warren's, a service's) ends up in log files
      java.io.Console console = System.console();
      boolean terminal = console != null && console.isTerminal() && System.getProperty("warren.daemon") == null;
      System.out.println(terminal ? "API token (saved in " + config.dataDir().resolve("token") + "): " + server.tokens().value()
          : "API token written to " + config.dataDir().resolve("token") + " (mode 0600); `warren token` prints it");
    }
    System.out.println("Warren is listening on http://" + config.listen().getAddress().getHostAddress() + ":" + server.port());
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      server.close();
      LogSetup.stop();
      stopped.countDown();
    }, "warren-shutdown"));
    stopped.await();
    return 0;
  }
}
