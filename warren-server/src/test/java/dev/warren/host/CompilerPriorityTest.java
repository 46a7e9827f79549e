package dev.warren.host;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class CompilerPriorityTest {
  /** C2 yields while a controller starts and gets the process's priority back once it serves; C1 and the rest are left alone. */
  @Test
  void theOptimisingCompilersThreadsAreNicerDuringTheStartOnly() throws IOException {
    int own = CompilerPriority.ownNice();
    try {
      CompilerPriority.lower();
      Map<String, Integer> during = nice();
      assertThat(during).as("the JVM's threads by name and nice value").containsKey("C2 CompilerThre");
      assertThat(during.get("C2 CompilerThre")).isEqualTo(Math.min(19, own + CompilerPriority.DURING_START));
      assertThat(during.getOrDefault("C1 CompilerThre", own)).as("C1, when it runs").isEqualTo(own);
      String self = Files.readString(Path.of("/proc/thread-self/stat"));
      assertThat(Integer.parseInt(self.substring(self.lastIndexOf(')') + 2).split(" ")[19 - 3])).as("this thread").isEqualTo(own);
    } finally {
      CompilerPriority.restore();
    }
    assertThat(nice().get("C2 CompilerThre")).isEqualTo(own);
  }

  /** The nice value (field 19 of its stat) of each of this JVM's threads, by name (the last of a name wins). */
  private static Map<String, Integer> nice() throws IOException {
    Map<String, Integer> byName = new HashMap<>();
    try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
      for (Path t : tasks.toList()) {
        String stat = Files.readString(t.resolve("stat"));
        String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
        byName.put(name, Integer.parseInt(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[19 - 3]));
      }
    }
    return byName;
  }
}
