package dev.warren.cli;

import dev.warren.config.Config;
import dev.warren.image.Image;
import dev.warren.image.Images;
import dev.warren.image.Recipe;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(name = "image", mixinStandardHelpOptions = true, description = "Golden images: list recipes and built images, build one.",
    subcommands = {ImageCommand.Build.class, ImageCommand.List.class})
final class ImageCommand implements Runnable {
  @Override
  public void run() {
    new List().run();
  }

  @Command(name = "build", mixinStandardHelpOptions = true, description = "Build a golden image from its recipe (cached by recipe digest).")
  static final class Build implements Callable<Integer> {
    @Parameters(paramLabel = "NAME", description = "recipe name, e.g. base")
    String name;

    @Override
    public Integer call() {
      Config config = CliConfig.load();
      Images images = Images.open(config.imagesDir(), config.mirror());
      long t0 = System.nanoTime();
      Image image = images.build(name, line -> System.out.println("[" + name + "] " + line));
      System.out.printf("image %s %s ready at %s (%.1f s)%n", image.name(), image.digest(), image.rootfs(), (System.nanoTime() - t0) / 1e9);
      return 0;
    }
  }

  @Command(name = "list", mixinStandardHelpOptions = true, description = "List recipes and whether each is built.")
  static final class List implements Runnable {
    @Override
    public void run() {
      Config config = CliConfig.load();
      Images images = Images.open(config.imagesDir(), config.mirror());
      for (Recipe r : images.recipes()) {
        String state = images.find(r.name()).map(i -> "built " + i.builtAt() + ", " + (i.sizeBytes() >> 20) + " MiB").orElse("not built");
        System.out.printf("%-10s %s  %s  (%s)%n", r.name(), r.digest().substring(0, 19), state, r.description());
      }
    }
  }
}
