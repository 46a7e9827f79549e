package dev.warren.cli;

import dev.warren.ops.AotCache;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

@Command(name = "aot", mixinStandardHelpOptions = true, description = {"Train the start-up cache of this jar and JVM (once per build; "
    + "./warren up does it): a throwaway controller starts and stops once, ~30 s, as root. A controller then starts in about half "
    + "the CPU time, which is what a restart after a crash costs before it serves again."})
final class AotCommand implements Callable<Integer> {
  @Override
  public Integer call() {
    var cp = AotCache.thisClassPath();
    if (AotCache.cacheFor(cp, AotCache.thisJava()).isEmpty()) {
      System.err.println("warren aot: the class path is not one jar (" + cp + "); run it from warren.jar");
      return 2;
    }
    // the configured images (only read): the training restarts a controller with sandboxes of the base image
    java.util.Optional<java.nio.file.Path> images = java.util.Optional.of(CliConfig.load().imagesDir());
    System.out.println(AotCache.train(cp, AotCache.thisJava(), images, System.out::println));
    return 0;
  }
}
