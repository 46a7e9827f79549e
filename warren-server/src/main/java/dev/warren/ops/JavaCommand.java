package dev.warren.ops;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The command line that runs another Warren JVM like this one: the same java binary, JVM options
 * and class path, with native access enabled and the background marker of the data directory; a
 * controller ({@code serve}) starts from the ahead-of-time cache when one was trained ({@link AotCache}).
 */
final class JavaCommand {
  private JavaCommand() {}

  static List<String> warren(Path dataDir, List<String> args) {
    List<String> cmd = new ArrayList<>();
    cmd.add(AotCache.thisJava().toString());
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
    List<Path> cp = AotCache.thisClassPath();
    if (!args.isEmpty() && args.getFirst().equals("serve")) {
      cmd.addAll(AotCache.options(cp, AotCache.thisJava()));
    }
    cmd.add("-cp");
    cmd.add(String.join(java.io.File.pathSeparator, cp.stream().map(Path::toString).toList()));
    cmd.add("dev.warren.Main");
    cmd.addAll(args);
    return cmd;
  }
}
