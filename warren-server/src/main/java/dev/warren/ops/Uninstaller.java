package dev.warren.ops;

import dev.warren.Teardown;
import dev.warren.config.Config;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * {@code warren uninstall}: stops Warren and removes what {@link Installer} put in place (the
 * service unit, the launcher, the jar). The data directory and the configuration file stay unless
 * {@code purge} is asked for; then every sandbox is destroyed, the host resources of the instance
 * are removed, and the data directory and the configuration file are deleted.
 */
public final class Uninstaller {
  private final Path prefix;
  private final boolean purge;
  private final PrintStream out;

  public Uninstaller(Path prefix, boolean purge, PrintStream out) {
    this.prefix = prefix;
    this.purge = purge;
    this.out = out;
  }

  public void uninstall() {
    Map<String, String> rec = readRecord();
    Path configFile = Path.of(rec.get("config"));
    Optional<Config> config = Files.exists(configFile)
        ? Optional.of(Config.from(Map.of("WARREN_CONFIG", configFile.toString())))
        : Optional.empty();
    boolean systemctl = Boolean.parseBoolean(rec.getOrDefault("systemctl", "false"));
    if (systemctl) {
      run(List.of("systemctl", "disable", "--now", "warren.service"));
    } else {
      config.ifPresent(c -> DaemonControl.stop(c, Optional.empty(), c.shutdownGrace().plusSeconds(20), true, out));
    }
    try {
      if (rec.containsKey("unit")) {
        Path unit = Path.of(rec.get("unit"));
        if (Files.deleteIfExists(unit)) {
          out.println("removed the systemd unit " + unit);
        }
        if (systemctl) {
          run(List.of("systemctl", "daemon-reload"));
        }
      }
      if (purge) {
        purge(config, configFile, rec);
      } else {
        out.println("kept the data directory " + rec.get("data") + " and the configuration file " + configFile
            + " (uninstall --purge removes them, and every sandbox)");
      }
      for (Path p : List.of(Installer.launcher(prefix), Installer.jar(prefix), Installer.record(prefix))) {
        Files.deleteIfExists(p);
      }
      for (Path dir : List.of(prefix.resolve("bin"), prefix.resolve("lib"), prefix)) {
        if (Files.isDirectory(dir)) {
          try (var s = Files.list(dir)) {
            if (s.findAny().isEmpty()) {
              Files.delete(dir);
            }
          }
        }
      }
      out.println("removed Warren from " + prefix);
    } catch (IOException e) {
      throw new UncheckedIOException("uninstall failed: " + e.getMessage(), e);
    }
  }

  private void purge(Optional<Config> config, Path configFile, Map<String, String> rec) throws IOException {
    Path data = Path.of(rec.get("data"));
    if (config.isPresent()) {
      List<String> destroyed = Teardown.run(config.get());
      out.println("destroyed " + destroyed.size() + " sandboxes and removed the instance's bridge, firewall, namespaces and mounts");
    }
    if (Files.exists(data)) {
      Process p = new ProcessBuilder("rm", "-rf", "--one-file-system", data.toString()).inheritIO().start();
      try {
        if (!p.waitFor(10, TimeUnit.MINUTES) || p.exitValue() != 0) {
          throw new OpsException("cannot remove the data directory " + data + " (rm exit code " + p.exitValue() + ")");
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new OpsException("interrupted while removing " + data);
      }
      out.println("removed the data directory " + data);
    }
    if (Files.deleteIfExists(configFile)) {
      out.println("removed the configuration file " + configFile);
    }
  }

  private Map<String, String> readRecord() {
    Path f = Installer.record(prefix);
    if (!Files.isRegularFile(f)) {
      throw new OpsException("no Warren is installed under " + prefix + " (no " + f + "); pass the --prefix it was installed with");
    }
    try {
      Map<String, String> rec = new java.util.LinkedHashMap<>();
      for (String line : Files.readAllLines(f)) {
        int eq = line.indexOf('=');
        if (!line.startsWith("#") && eq > 0) {
          rec.put(line.substring(0, eq), line.substring(eq + 1));
        }
      }
      if (!rec.containsKey("config") || !rec.containsKey("data")) {
        throw new OpsException(f + " is incomplete (config and data are required)");
      }
      return rec;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + f, e);
    }
  }

  private void run(List<String> cmd) {
    try {
      Process p = new ProcessBuilder(cmd).inheritIO().start();
      if (p.waitFor() != 0) {
        out.println(String.join(" ", cmd) + " failed with exit code " + p.exitValue() + "; going on");
      }
    } catch (IOException e) {
      out.println(String.join(" ", cmd) + " failed: " + e.getMessage() + "; going on");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
