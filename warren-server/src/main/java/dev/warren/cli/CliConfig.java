package dev.warren.cli;

import dev.warren.config.Config;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * The settings a command runs with: the environment, and the file named by {@code --config} (which
 * takes the place of {@code WARREN_CONFIG}). Set once while the command line is parsed.
 */
final class CliConfig {
  private static volatile Path file;

  private CliConfig() {}

  /** Called by the {@code --config} option; a relative path is taken from the current directory now. */
  static void useFile(Path f) {
    file = f.toAbsolutePath().normalize();
  }

  /** The file given with {@code --config}, if any. */
  static java.util.Optional<Path> file() {
    return java.util.Optional.ofNullable(file);
  }

  /** The environment the settings are read from, with {@code WARREN_CONFIG} set by {@code --config}. */
  static Map<String, String> environment() {
    Map<String, String> env = new HashMap<>(System.getenv());
    if (file != null) {
      env.put("WARREN_CONFIG", file.toString());
    }
    return env;
  }

  static Config load() {
    return Config.from(environment());
  }
}
