package dev.warren.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.concurrent.TimeUnit;

/**
 * The preview tests' web app ({@code preview/app.py}, python3 of the base image) started in a
 * sandbox: it lives as long as the sandbox does.
 */
public final class PreviewApp {
  private PreviewApp() {}

  /** Copies the app into {@code sbx}, starts one on each port and waits (at most 60 s) until each answers through the token's door. */
  public static void start(TestWarren warren, String sbx, int... ports) throws InterruptedException {
    byte[] app;
    try (InputStream in = PreviewApp.class.getResourceAsStream("/preview/app.py")) {
      app = in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    assertThat(warren.put("/v1/sandboxes/" + sbx + "/files?path=/tmp/app.py", app).status()).isEqualTo(204);
    StringBuilder list = new StringBuilder();
    for (int p : ports) {
      list.append(' ').append(p);
    }
    warren.exec(sbx, "for p in" + list + "; do nohup python3 /tmp/app.py $p >/tmp/app-$p.log 2>&1 & done; echo started");
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    for (int p : ports) {
      String ready = "/v1/sandboxes/" + sbx + "/ports/" + p + "/ready";
      while (warren.get(ready).status() != 200) {
        assertThat(System.nanoTime()).as("the app on port %d answers within 60 s: %s", p, warren.get(ready)).isLessThan(deadline);
        Thread.sleep(100);
      }
    }
  }
}
