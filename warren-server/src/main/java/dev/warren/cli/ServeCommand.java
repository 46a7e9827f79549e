package dev.warren.cli;

import dev.warren.Server;
import dev.warren.config.Config;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;

@Command(name = "serve", description = "Run the Warren controller in the foreground (settings: WARREN_* variables, see README).")
final class ServeCommand implements java.util.concurrent.Callable<Integer> {

  @Override
  public Integer call() throws Exception {
    Config config = Config.fromEnvironment();
    Server server = Server.start(config);
    if (server.tokens().created()) {
      // the token is shown only to a person at a terminal: redirected output ends up in log files
      java.io.Console console = System.console();
      boolean terminal = console != null && console.isTerminal();
      System.out.println("API token generated in " + config.dataDir().resolve("token") + " (mode 0600)"
          + (terminal ? ": " + server.tokens().value() : "; `warren token` prints it"));
    }
    System.out.println("Warren is listening on http://" + config.listen().getAddress().getHostAddress() + ":" + server.port());
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      server.close();
      stopped.countDown();
    }, "warren-shutdown"));
    stopped.await();
    return 0;
  }
}
