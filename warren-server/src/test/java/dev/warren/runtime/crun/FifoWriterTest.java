package dev.warren.runtime.crun;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.FileOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A held-open FIFO written while another thread closes it. Unit level: the window between a
 * writer's check and its write is a few instructions wide, which no API call can aim at in
 * bounded time; here thousands of races run in a second.
 */
class FifoWriterTest {
  Path root;
  SandboxDir dir;

  @BeforeEach
  void open() throws Exception {
    root = Files.createTempDirectory("warren-fifo-");
    dir = SandboxDir.open(root, "/q", 0, true, 0755);
  }

  @AfterEach
  void close() throws Exception {
    dir.close();
    try (var files = Files.walk(root)) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  @Test
  void aWriteRacingCloseFailsAsClosedAndNeverReachesTheFileThatReusedTheDescriptor() throws Exception {
    Path victim = root.resolve("victim");
    for (int i = 0; i < 2000; i++) {
      dir.mkfifo("ctl");
      HeldFifo w = dir.fifoWriter("ctl");
      CompletableFuture<Throwable> writer = new CompletableFuture<>();
      Thread t = Thread.ofPlatform().start(() -> {
        try {
          while (true) {
            w.write(new byte[] {'x'});
          }
        } catch (Throwable e) {
          writer.complete(e);
        }
      });
      long spin = System.nanoTime() + ThreadLocalRandom.current().nextLong(200_000);
      while (System.nanoTime() < spin) {
        Thread.onSpinWait();
      }
      w.close();
      // the lowest free descriptor number: the one the writer's FIFO just gave back
      try (FileOutputStream reuse = new FileOutputStream(victim.toFile())) {
        Throwable e = writer.get(10, TimeUnit.SECONDS);
        assertThat(e).as("round %d", i).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
      }
      t.join();
      assertThat(Files.size(victim)).as("bytes the writer put into the file that reused its descriptor, round %d", i).isZero();
      dir.delete("ctl");
    }
  }
}
