package dev.warren.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads a configuration file of {@code NAME=value} lines, the format a shell and systemd's
 * {@code EnvironmentFile=} also read: {@code #} starts a comment line, blank lines are skipped, an
 * optional {@code export } prefix is allowed, a value may be wrapped in single or double quotes.
 * Errors name the file, the line number and the setting.
 */
final class EnvFile {
  private EnvFile() {}

  static Map<String, String> read(Path file, Set<String> known) {
    List<String> lines;
    try {
      lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new ConfigException("WARREN_CONFIG: cannot read " + file + ": " + e.getMessage());
    }
    Map<String, String> out = new LinkedHashMap<>();
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i).strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      if (line.startsWith("export ")) {
        line = line.substring(7).strip();
      }
      int eq = line.indexOf('=');
      String where = file + " line " + (i + 1);
      if (eq <= 0) {
        throw new ConfigException("WARREN_CONFIG: expected NAME=value in " + where + ", got '" + line + "'");
      }
      String name = line.substring(0, eq).strip();
      if (!known.contains(name)) {
        throw new ConfigException(name + ": unknown setting in " + where + " (every setting starts with WARREN_; see docs/operations.md)");
      }
      out.put(name, unquote(name, line.substring(eq + 1).strip(), where));
    }
    return out;
  }

  private static String unquote(String name, String v, String where) {
    if (v.length() >= 2 && (v.startsWith("\"") && v.endsWith("\"") || v.startsWith("'") && v.endsWith("'"))) {
      return v.substring(1, v.length() - 1);
    }
    if (v.startsWith("\"") || v.startsWith("'")) {
      throw new ConfigException(name + ": unterminated quote in " + where);
    }
    return v;
  }
}
