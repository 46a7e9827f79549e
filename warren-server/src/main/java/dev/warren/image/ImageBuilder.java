package dev.warren.image;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One build of one recipe, run while its name's lock is held: debootstrap into a temporary sibling
 * directory, the setup script in a chroot, size, metadata, then an atomic rename into place. On
 * any failure the temporary directory goes, after whatever was mounted inside it.
 */
final class ImageBuilder {
  private static final Logger log = LoggerFactory.getLogger(ImageBuilder.class);
  private static final String PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
  private static final List<String> PASSED_THROUGH = List.of("http_proxy", "https_proxy", "no_proxy", "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY");

  private final String defaultMirror;
  private final Duration timeout;

  ImageBuilder(String defaultMirror, Duration timeout) {
    this.defaultMirror = defaultMirror;
    this.timeout = timeout;
  }

  static String dirName(Recipe recipe) {
    return recipe.digestHex().substring(0, 16);
  }

  /** @param progress already prefixed with the elapsed time */
  Image build(Recipe recipe, Path nameDir, Images.Progress progress) {
    long started = System.nanoTime();
    String mirror = recipe.mirror().orElse(defaultMirror);
    Path tmp = nameDir.resolve(dirName(recipe) + ".tmp-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt()));
    Path rootfs = tmp.resolve(ImageMetadata.ROOTFS);
    Path done = nameDir.resolve(dirName(recipe));
    log.info("building image {} {} from {} in {}", recipe.name(), recipe.digest(), mirror, tmp);
    try {
      Files.createDirectory(tmp);
      progress.line("debootstrap " + recipe.suite() + " (" + recipe.variant() + ") from " + mirror
          + " with " + recipe.packages().size() + " packages into " + rootfs);
      ToolRun.Result bootstrap = ToolRun.run(debootstrap(recipe, rootfs, mirror), debootstrapEnvironment(), timeout, progress::line);
      Mounts.unmountAll(rootfs);
      if (bootstrap.exitCode() != 0) {
        throw new ImageException("debootstrap for image '" + recipe.name() + "' exited with code " + bootstrap.exitCode()
            + "; check the recipe's packages and suite and that " + mirror + " is reachable"
            + (recipe.mirror().isPresent() ? " (the recipe pins it)" : " (WARREN_MIRROR names another archive)")
            + ", then run: warren image build " + recipe.name(), withLog(bootstrap.tail(), rootfs), null);
      }
      if (!recipe.setupScript().isBlank()) {
        progress.line("running the setup script in the chroot");
        List<String> chroot = List.of("chroot", rootfs.toString(), "/bin/sh", "-c", recipe.setupScript());
        ToolRun.Result setup = ToolRun.run(chroot, setupEnvironment(), timeout, line -> progress.line("setup: " + line));
        Mounts.unmountAll(rootfs);
        if (setup.exitCode() != 0) {
          throw new ImageException("the setup script of image '" + recipe.name() + "' exited with code " + setup.exitCode()
              + "; fix the recipe's setup script, then run: warren image build " + recipe.name(), setup.tail(), null);
        }
      }
      long size = Trees.size(rootfs);
      long seconds = Duration.ofNanos(System.nanoTime() - started).toSeconds();
      ImageMetadata.write(tmp, recipe, mirror, Instant.now(), size, seconds);
      Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("r-xr-xr-x"));
      Files.move(tmp, done, StandardCopyOption.ATOMIC_MOVE);
      progress.line("built image " + recipe.name() + " " + recipe.digest() + ": " + size / (1024 * 1024) + " MiB in " + seconds + " s");
      log.info("built image {} {} in {} s, {} bytes", recipe.name(), recipe.digest(), seconds, size);
      return ImageMetadata.read(done).orElseThrow(() -> new ImageException("image " + done + " vanished right after its build"));
    } catch (IOException e) {
      throw cleanUp(tmp, new ImageException("cannot build image '" + recipe.name() + "' in " + tmp + ": " + e, e));
    } catch (RuntimeException e) {
      throw cleanUp(tmp, e);
    }
  }

  /** debootstrap's own log says why a chroot step failed; it goes with the attempt, so keep its end. */
  private static List<String> withLog(List<String> output, Path rootfs) {
    Path logFile = rootfs.resolve("debootstrap/debootstrap.log");
    if (!Files.isRegularFile(logFile)) {
      return output;
    }
    List<String> lines = new ArrayList<>(output);
    try {
      List<String> logLines = Files.readAllLines(logFile, StandardCharsets.ISO_8859_1);
      lines.add("--- end of debootstrap/debootstrap.log ---");
      lines.addAll(logLines.subList(Math.max(0, logLines.size() - 20), logLines.size()));
    } catch (IOException e) {
      lines.add("(cannot read " + logFile + ": " + e.getMessage() + ")");
    }
    return lines;
  }

  private static List<String> debootstrap(Recipe recipe, Path rootfs, String mirror) {
    List<String> command = new ArrayList<>(List.of("debootstrap", "--variant=" + recipe.variant()));
    if (!recipe.packages().isEmpty()) {
      command.add("--include=" + String.join(",", recipe.packages()));
    }
    command.addAll(List.of(recipe.suite(), rootfs.toString(), mirror));
    return command;
  }

  private static Map<String, String> debootstrapEnvironment() {
    Map<String, String> env = new HashMap<>(setupEnvironment());
    for (String name : PASSED_THROUGH) {
      String value = System.getenv(name);
      if (value != null) {
        env.put(name, value);
      }
    }
    return env;
  }

  /** Nothing of the host's or a sandbox's environment reaches the image. */
  private static Map<String, String> setupEnvironment() {
    return Map.of("PATH", PATH, "HOME", "/root", "LC_ALL", "C", "DEBIAN_FRONTEND", "noninteractive");
  }

  /** Deletes the attempt, even when the build was interrupted, and reports cleanup trouble as suppressed. */
  private static RuntimeException cleanUp(Path tmp, RuntimeException failure) {
    boolean interrupted = Thread.interrupted();
    try {
      Trees.delete(tmp);
    } catch (RuntimeException e) {
      failure.addSuppressed(e);
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
    log.warn("image build failed, removed {}: {}", tmp, failure.toString().lines().findFirst().orElse(""));
    return failure;
  }
}
