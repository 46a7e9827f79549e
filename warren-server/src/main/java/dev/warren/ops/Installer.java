package dev.warren.ops;

import dev.warren.config.Config;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code warren install}: puts the jar and a launcher under one prefix, writes the documented
 * configuration file (kept if it exists: re-installing a newer jar is the upgrade), creates the
 * data directory, and runs Warren as a systemd service where systemd is PID 1, else under the
 * supervisor ({@code serve --daemon --supervise}). What it did is recorded in
 * {@code <prefix>/install.properties} for {@link Uninstaller}.
 */
public final class Installer {

  /** Where things go and how Warren is run. */
  public record Plan(Path prefix, Path config, Path data, Path unitDir, Mode mode, Path jar, Path java, boolean start) {}

  /** How Warren runs once installed. */
  public enum Mode {
    SYSTEMD, SUPERVISOR;

    /** systemd when it is the init system (the test systemd itself uses: /run/systemd/system exists). */
    public static Mode detect() {
      return Files.isDirectory(Path.of("/run/systemd/system")) ? SYSTEMD : SUPERVISOR;
    }

    public String wire() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  private final Plan plan;
  private final PrintStream out;

  public Installer(Plan plan, PrintStream out) {
    this.plan = plan;
    this.out = out;
  }

  public static Path launcher(Path prefix) {
    return prefix.resolve("bin").resolve("warren");
  }

  public static Path jar(Path prefix) {
    return prefix.resolve("lib").resolve("warren.jar");
  }

  public static Path record(Path prefix) {
    return prefix.resolve("install.properties");
  }

  public void install() {
    if (!Files.isRegularFile(plan.jar()) || !plan.jar().toString().endsWith(".jar")) {
      throw new OpsException("--jar: not a jar file: " + plan.jar() + " (run install from the built jar: java -jar warren.jar install)");
    }
    if (!Files.isExecutable(plan.java())) {
      throw new OpsException("--java: not an executable: " + plan.java());
    }
    try {
      Files.createDirectories(plan.prefix().resolve("bin"));
      Files.createDirectories(plan.prefix().resolve("lib"));
      boolean upgrade = Files.exists(jar(plan.prefix()));
      Path tmp = jar(plan.prefix()).resolveSibling("warren.jar.new");
      Files.copy(plan.jar(), tmp, StandardCopyOption.REPLACE_EXISTING);
      Files.move(tmp, jar(plan.prefix()), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      Files.setPosixFilePermissions(jar(plan.prefix()), PosixFilePermissions.fromString("rw-r--r--"));
      write(launcher(plan.prefix()), Templates.launcher(plan.java(), jar(plan.prefix()), plan.config()), "rwxr-xr-x");
      out.println((upgrade ? "replaced " : "installed ") + jar(plan.prefix()) + " and its launcher " + launcher(plan.prefix()));
      Config config = configuration();
      if (AotCache.cacheFor(List.of(jar(plan.prefix())), plan.java()).isPresent()) {
        try {
          AotCache.train(List.of(jar(plan.prefix())), plan.java(), java.util.Optional.of(config.imagesDir()), out::println);
        } catch (RuntimeException e) {
          out.println("the start-up cache was not trained (" + e.getMessage() + "); Warren starts, only slower; retry with: "
              + launcher(plan.prefix()) + " aot");
        }
      }
      if (!Files.exists(config.dataDir())) {
        Files.createDirectories(config.dataDir());
        Files.setPosixFilePermissions(config.dataDir(), PosixFilePermissions.fromString("rwx--x--x"));
        out.println("created the data directory " + config.dataDir());
      }
      Optional<Path> unit = Optional.empty();
      if (plan.mode() == Mode.SYSTEMD) {
        unit = Optional.of(plan.unitDir().resolve("warren.service"));
        write(unit.get(), Templates.unit(launcher(plan.prefix()), plan.config(), config.shutdownGrace()), "rw-r--r--");
        out.println("wrote the systemd unit " + unit.get());
      }
      Map<String, String> rec = new LinkedHashMap<>();
      rec.put("mode", plan.mode().wire());
      rec.put("config", plan.config().toString());
      rec.put("data", config.dataDir().toString());
      unit.ifPresent(u -> rec.put("unit", u.toString()));
      rec.put("systemctl", Boolean.toString(plan.mode() == Mode.SYSTEMD && plan.start()));
      writeRecord(rec);
      if (plan.start()) {
        start(config, upgrade);
      } else {
        out.println("not started (--no-start); start it with: " + (plan.mode() == Mode.SYSTEMD
            ? "systemctl enable --now warren" : launcher(plan.prefix()) + " serve --daemon --supervise"));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("install failed: " + e.getMessage(), e);
    }
  }

  /** Writes the configuration file unless it exists; either way it must be valid. */
  private Config configuration() throws IOException {
    if (!Files.exists(plan.config())) {
      Files.createDirectories(plan.config().toAbsolutePath().getParent());
      Map<String, String> chosen = new LinkedHashMap<>();
      chosen.put("WARREN_DATA", plan.data().toString());
      // images inside the data directory: nothing Warren keeps lives outside the prefix, this file and the data directory
      chosen.put("WARREN_IMAGES", plan.data().resolve("images").toString());
      write(plan.config(), Templates.config(chosen), "rw-------");
      out.println("wrote the configuration file " + plan.config() + " (every setting, commented, with its default)");
    } else {
      out.println("kept the configuration file " + plan.config());
    }
    return Config.from(Map.of("WARREN_CONFIG", plan.config().toString()));
  }

  private void start(Config config, boolean upgrade) {
    if (plan.mode() == Mode.SYSTEMD) {
      run(List.of("systemctl", "daemon-reload"));
      run(List.of("systemctl", "enable", "warren.service"));
      run(List.of("systemctl", upgrade ? "restart" : "start", "warren.service"));
      out.println("Warren runs as the systemd service warren.service (systemctl status warren; journalctl -u warren)");
      return;
    }
    if (upgrade) {
      DaemonControl.stop(config, Optional.empty(), config.shutdownGrace().plusSeconds(20), false, out);
    }
    run(List.of(launcher(plan.prefix()).toString(), "serve", "--daemon", "--supervise"));
    out.println("Warren runs under its own supervisor (systemd is not the init system here): "
        + launcher(plan.prefix()) + " status | stop; start it at boot with: " + launcher(plan.prefix()) + " serve --daemon --supervise");
  }

  private void run(List<String> cmd) {
    try {
      ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
      pb.environment().put("WARREN_CONFIG", plan.config().toString());
      Process p = pb.start();
      String output = new String(p.getInputStream().readAllBytes()).strip();
      if (!output.isEmpty()) {
        out.println(output);
      }
      if (p.waitFor() != 0) {
        throw new OpsException(String.join(" ", cmd) + " failed with exit code " + p.exitValue());
      }
    } catch (IOException e) {
      throw new OpsException(String.join(" ", cmd) + " failed: " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new OpsException("interrupted");
    }
  }

  private void writeRecord(Map<String, String> rec) throws IOException {
    List<String> lines = new ArrayList<>(List.of("# what `warren install` did; read by `warren uninstall`"));
    rec.forEach((k, v) -> lines.add(k + "=" + v));
    write(record(plan.prefix()), String.join("\n", lines) + "\n", "rw-r--r--");
  }

  static void write(Path file, String content, String mode) throws IOException {
    Files.createDirectories(file.toAbsolutePath().getParent());
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    Files.writeString(tmp, content);
    Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString(mode));
    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }
}
