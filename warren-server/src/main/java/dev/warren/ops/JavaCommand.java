package dev.warren.ops;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The command line that runs another Warren JVM like this one: the same java binary, JVM options
 * and class path, with native access enabled and the background marker of the data directory; a
 * controller ({@code serve}) starts from the ahead-of-time cache ({@link AotCache}).
 */
final class JavaCommand {
  private JavaCommand() {}

  static List<String> warren(Path dataDir, List<String> args) {
    List<String> cmd = new ArrayList<>();
    String javaBinary = ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add(javaBinary);
    boolean nativeAccess = false;
    for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      if (a.startsWith("-Dwarren.daemon=") || a.startsWith("-Dwarren.log.console=") || a.startsWith("-agentlib:jdwp")
          || a.startsWith("-XX:AOTCache") || a.startsWith("-XX:AOTMode")) {
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
    // absolute: the child runs in /, and nothing may depend on the directory it was started from
    List<Path> cp = new ArrayList<>();
    for (String e : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
      cp.add(Path.of(e).toAbsolutePath().normalize());
    }
    if (!args.isEmpty() && args.getFirst().equals("serve")) {
      cmd.addAll(AotCache.options(cp, Path.of(javaBinary)));
    }
    cmd.add("-cp");
    cmd.add(String.join(java.io.File.pathSeparator, cp.stream().map(Path::toString).toList()));
    cmd.add("dev.warren.Main");
    cmd.addAll(args);
    return cmd;
  }
}
