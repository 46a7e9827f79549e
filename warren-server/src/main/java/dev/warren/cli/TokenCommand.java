package dev.warren.cli;

import dev.warren.api.Tokens;
import dev.warren.config.Config;
import picocli.CommandLine.Command;

@Command(name = "token", mixinStandardHelpOptions = true, description = "Print the API token of the data directory (creating it if needed).")
final class TokenCommand implements Runnable {
  @Override
  public void run() {
    System.out.println(Tokens.load(CliConfig.load().dataDir()).value());
  }
}
