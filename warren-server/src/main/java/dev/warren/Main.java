package dev.warren;

import dev.warren.cli.Cli;

/** Entry point of the runnable jar: {@code java -jar warren.jar <command>}. */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    System.exit(Cli.run(args));
  }
}
