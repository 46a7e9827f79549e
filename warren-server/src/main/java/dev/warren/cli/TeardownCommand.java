package dev.warren.cli;

import dev.warren.Teardown;
import dev.warren.config.Config;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "teardown", mixinStandardHelpOptions = true, description = "Destroy every sandbox of this data directory and remove Warren's bridge, firewall, "
    + "namespaces and mounts from the host. The controller must be stopped. Keeps the data directory.")
final class TeardownCommand implements Callable<Integer> {
  @Option(names = "--yes", required = true, description = "confirm: every sandbox of this data directory is destroyed")
  boolean yes;

  @Override
  public Integer call() {
    var destroyed = Teardown.run(CliConfig.load());
    System.out.println("destroyed " + destroyed.size() + " sandboxes; host resources removed");
    return 0;
  }
}
