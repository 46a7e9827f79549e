package dev.warren.ops;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The command line that runs another Warren JVM like this one: the same java binary, JVM options
 * and class path, with native access enabled and the background marker of the data directory.
 */
final class JavaCommand {
  private JavaCommand() {}

  static List<String> warren(Path dataDir, List<String> args) {
    List<String> cmd = new ArrayList<>();
    cmd.add(ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
    boolean nativeAccess = false;
    for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      if (a.startsWith("-Dwarren.daemon=") || a.startsWith("-Dwarren.log.console=") || a.startsWith("-agentlib:jdwp")) {
        continue;
      }
      nativeAccess |= a.startsWith("--enable-native-access");
      cmd.add(a);
    }
    if (!nativeAccess) {
      cmd.add("--enable-native-access=ALL-UNNAMED");
    }
    cmd.add(PidFile.marker(dataDir));
    cmd.add("-Dwarren.log.console=false");
    cmd.add("-cp");
    // absolute: the child runs in /, and nothing may depend on the directory it was started from
    List<String> cp = new ArrayList<>();
    for (String e : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
      cp.add(Path.of(e).toAbsolutePath().normalize().toString());
    }
    cmd.add(String.join(java.io.File.pathSeparator, cp));
    cmd.add("dev.warren.Main");
    cmd.addAll(args);
    return cmd;
  }
}
