package dev.warren.cli;

import dev.warren.config.Config;
import dev.warren.image.Image;
import dev.warren.image.Images;
import dev.warren.image.Recipe;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "image", mixinStandardHelpOptions = true,
    description = "Images: list recipes and build golden ones on this host; import, pull and delete your own through the API.",
    subcommands = {ImageCommand.Build.class, ImageCommand.List.class, ImageCommand.Import.class, ImageCommand.Pull.class,
        ImageCommand.Export.class, ImageCommand.Delete.class})
final class ImageCommand implements Runnable {
  @Override
  public void run() {
    new List().run();
  }

  @Command(name = "build", mixinStandardHelpOptions = true,
      description = {"Build an image from a Dockerfile through the API: warren image build [-f Dockerfile] NAME [CONTEXT] prints each step"
          + " with its number and time.", "With a built-in recipe's name alone (base, browser): build that golden image on this host."})
  static final class Build extends ApiConnection implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "NAME", description = "name[:tag] of the image to build, or a recipe name such as base")
    String name;

    @Parameters(index = "1", paramLabel = "CONTEXT", arity = "0..1", description = "the build context directory (default: the current one)")
    java.nio.file.Path context;

    @picocli.CommandLine.Option(names = {"-f", "--file"}, paramLabel = "DOCKERFILE",
        description = "the Dockerfile, inside the context (default: CONTEXT/Dockerfile)")
    java.nio.file.Path dockerfile;

    @picocli.CommandLine.Option(names = "--build-arg", paramLabel = "NAME=VALUE", description = "a value for an ARG of the Dockerfile")
    java.util.Map<String, String> buildArgs = new java.util.LinkedHashMap<>();

    @picocli.CommandLine.Option(names = "--allow", paramLabel = "HOST", description = "a host RUN steps may reach (e.g. deb.debian.org); none by default")
    java.util.List<String> allow = new java.util.ArrayList<>();

    @Override
    public Integer call() throws Exception {
      if (context == null && dockerfile == null && !name.contains(":") && recipe(name)) {
        return recipeBuild();
      }
      java.nio.file.Path dir = (context == null ? java.nio.file.Path.of(".") : context).toAbsolutePath().normalize();
      String file = "Dockerfile";
      if (dockerfile != null) {
        java.nio.file.Path f = dockerfile.toAbsolutePath().normalize();
        if (!f.startsWith(dir)) {
          System.err.println("the Dockerfile " + f + " is not inside the build context " + dir);
          return 2;
        }
        file = dir.relativize(f).toString();
      }
      var options = dev.warren.client.ImageBuildOptions.DEFAULTS.withDockerfile(file).withBuildArgs(buildArgs).withAllow(allow);
      try (dev.warren.client.Warren w = connect()) {
        long t0 = System.nanoTime();
        int[] total = {0};
        dev.warren.client.ImageBuild b = w.images().build(name, dir, options, e -> progress(e, total));
        if (!b.succeeded()) {
          System.err.println("build " + b.id() + " failed: " + b.error().orElse("?"));
          b.steps().stream().filter(s -> s.status().equals("failed")).forEach(s -> s.output().forEach(l -> System.err.println("  | " + l)));
          return 1;
        }
        long cached = b.steps().stream().filter(s -> s.status().equals("cached")).count();
        System.out.printf("built %s %s in %.1f s (%d of %d steps cached, build %s)%n", name, b.digest().orElse(""), (System.nanoTime() - t0) / 1e9,
            cached, b.steps().size(), b.id());
        return 0;
      }
    }

    private static void progress(dev.warren.client.ImageBuild.Event e, int[] total) {
      if (e.line().isPresent()) {
        System.out.println("  | " + e.line().get());
        return;
      }
      dev.warren.client.ImageBuild.Step s = e.step().orElseThrow();
      switch (s.status()) {
        case "running" -> System.out.printf("Step %d : %s%n", s.number(), s.instruction());
        case "cached" -> System.out.printf("  ---> cached%n");
        case "done" -> System.out.printf("  ---> done in %.2f s%n", s.took().map(d -> d.toMillis() / 1000.0).orElse(0.0));
        case "failed" -> System.out.printf("  ---> failed%s after %.2f s%n", s.exitCode().map(c -> " with exit code " + c).orElse(""),
            s.took().map(d -> d.toMillis() / 1000.0).orElse(0.0));
        default -> {
          // pending: nothing to say
        }
      }
    }

    private static boolean recipe(String name) {
      Config config = CliConfig.load();
      return Images.open(config.imagesDir(), config.mirror()).recipes().stream().anyMatch(r -> r.name().equals(name));
    }

    private Integer recipeBuild() {
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

  /** One line (or JSON) for an image the server answered with. */
  private static void show(ApiConnection c, dev.warren.client.ImageInfo i) {
    if (c.json()) {
      var n = ApiConnection.JSON.createObjectNode();
      n.put("name", i.name()).put("digest", i.digest());
      i.sizeBytes().ifPresent(b -> n.put("sizeBytes", b));
      i.layers().forEach(n.putArray("layers")::add);
      i.source().ifPresent(src -> n.put("source", src));
      ApiConnection.print(n);
    } else {
      System.out.printf("%s %s (%d layers, %d MiB)%n", i.name(), i.digest(), i.layers().size(), i.sizeBytes().orElse(0L) >> 20);
    }
  }

  @Command(name = "import", mixinStandardHelpOptions = true,
      description = "Import an OCI image layout or a docker save tarball (a tar file) as NAME[:TAG], streamed to the server.")
  static final class Import extends ApiConnection implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "FILE", description = "the archive, e.g. from docker save or skopeo copy oci-archive:")
    java.nio.file.Path file;

    @Parameters(index = "1", paramLabel = "NAME", description = "name[:tag], tag latest when left out")
    String name;

    @Override
    public Integer call() throws Exception {
      try (dev.warren.client.Warren w = connect()) {
        long t0 = System.nanoTime();
        dev.warren.client.ImageInfo i = w.images().importImage(file, name);
        show(this, i);
        if (!json()) {
          System.out.printf("imported in %.1f s%n", (System.nanoTime() - t0) / 1e9);
        }
        return 0;
      }
    }
  }

  @Command(name = "pull", mixinStandardHelpOptions = true,
      description = "Pull an image from an OCI registry (or the server's WARREN_REGISTRY_MIRROR) as NAME, or as its repository:tag.")
  static final class Pull extends ApiConnection implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "REFERENCE", description = "e.g. docker.io/library/python:3.12")
    String reference;

    @Parameters(index = "1", paramLabel = "NAME", arity = "0..1", description = "name[:tag] to store it as")
    String name;

    @Option(names = "--username", paramLabel = "USER", description = "the registry user; the password (or token) is read from standard input")
    String username;

    @Override
    public Integer call() throws Exception {
      try (dev.warren.client.Warren w = connect()) {
        java.util.Optional<String> as = java.util.Optional.ofNullable(name);
        if (username == null) {
          show(this, w.images().pull(reference, as));
        } else {
          // never an argument: another host user could read it in the process list
          String password = new String(System.in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).strip();
          if (password.isEmpty()) {
            System.err.println("--username needs the password (or token) on standard input, e.g. printf %s \"$TOKEN\" | warren image pull --username USER REFERENCE");
            return 2;
          }
          show(this, w.images().pull(reference, as, new dev.warren.client.RegistryCredentials(username, password)));
        }
        return 0;
      }
    }
  }

  @Command(name = "export", mixinStandardHelpOptions = true,
      description = "Write an image to FILE as a tar of an OCI image layout (docker load and skopeo read it too).")
  static final class Export extends ApiConnection implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "NAME", description = "name[:tag]")
    String name;

    @Parameters(index = "1", paramLabel = "FILE", description = "where to write the tar")
    java.nio.file.Path file;

    @Override
    public Integer call() throws Exception {
      try (dev.warren.client.Warren w = connect()) {
        long bytes = w.images().export(name, file);
        System.out.printf("%s: %d MiB written to %s%n", name, bytes >> 20, file);
        return 0;
      }
    }
  }

  @Command(name = "delete", aliases = "rm", mixinStandardHelpOptions = true,
      description = "Delete an image's tag (refused while a sandbox was made from it); its files go when nothing needs them.")
  static final class Delete extends ApiConnection implements Callable<Integer> {
    @Parameters(paramLabel = "NAME", description = "name[:tag]")
    String name;

    @Override
    public Integer call() throws Exception {
      try (dev.warren.client.Warren w = connect()) {
        if (!w.images().delete(name)) {
          System.err.println("no image " + name);
          return 1;
        }
        return 0;
      }
    }
  }
}
