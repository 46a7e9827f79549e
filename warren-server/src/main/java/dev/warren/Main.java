package dev.warren;

import dev.warren.cli.Cli;

/** Entry point of the runnable jar: {@code java -jar warren.jar <command>}. */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    // Writes into a full FIFO and a few other calls block in the kernel and pin the carrier of the
    // virtual thread making them; with one carrier per CPU, two of them on a 2-CPU host stop every
    // API call. A few more carriers than CPUs keep the API answering (set before any virtual thread).
    if (System.getProperty("jdk.virtualThreadScheduler.parallelism") == null) {
      System.setProperty("jdk.virtualThreadScheduler.parallelism",
          Integer.toString(Math.max(8, Runtime.getRuntime().availableProcessors())));
    }
    System.exit(Cli.run(args));
  }
}
