package dev.warren;

import dev.warren.cli.Cli;

/** Entry point of the runnable jar: {@code java -jar warren.jar <command>}. */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    jvmDefaults();
    if (java.util.Arrays.asList(args).contains("serve")) {
      warmUp();
    }
    System.exit(Cli.run(args));
  }

  /**
   * Starts, beside the parsing of the command line and the configuration, the slowest
   * initialisation of a controller's start that needs nothing from them: binding the native calls
   * (which makes code at run time, which the start-up cache cannot keep). A controller killed at any
   * moment is restarted at once; this is part of the time it answers nothing. The main thread waits
   * for it where it first makes a native call. Nothing here may log: logging is configured later,
   * and a logger made before that breaks it (SQLite's native library logs as it loads, so it is
   * left to the store).
   */
  private static void warmUp() {
    Thread.ofPlatform().daemon().name("warren-warm-up").start(() -> {
      try {
        dev.warren.host.Syscalls.bindFirstCalls();
        dev.warren.host.CompilerPriority.lower();
      } catch (RuntimeException | LinkageError e) {
        // the same initialisation fails again, with its message, where the controller needs it
      }
    });
  }

  /** JVM settings the controller relies on, unless given on the command line; call before anything else runs. */
  public static void jvmDefaults() {
    // Writes into a full FIFO and a few other calls block in the kernel and pin the carrier of the
    // virtual thread making them; with one carrier per CPU, two of them on a 2-CPU host stop every
    // API call. A few more carriers than CPUs keep the API answering (set before any virtual thread).
    if (System.getProperty("jdk.virtualThreadScheduler.parallelism") == null) {
      System.setProperty("jdk.virtualThreadScheduler.parallelism",
          Integer.toString(Math.max(8, Runtime.getRuntime().availableProcessors())));
    }
    // the logging backend named instead of looked for among the class path's services (every start,
    // before anything logs), without SLF4J saying so on standard error
    if (System.getProperty("slf4j.provider") == null) {
      System.setProperty("slf4j.provider", "ch.qos.logback.classic.spi.LogbackServiceProvider");
      if (System.getProperty("slf4j.internal.verbosity") == null) {
        System.setProperty("slf4j.internal.verbosity", "WARN");
      }
    }
    // idle HTTP connections to sandboxes (Chromium's DevTools) are dropped after 10 s instead of
    // 20 minutes: the sandbox behind an address may be gone, and its address given to another
    if (System.getProperty("jdk.httpclient.keepalive.timeout") == null) {
      System.setProperty("jdk.httpclient.keepalive.timeout", "10");
    }
  }
}
