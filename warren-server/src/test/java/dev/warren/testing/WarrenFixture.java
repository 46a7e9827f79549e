package dev.warren.testing;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestWatcher;

/**
 * One real Warren for a test class: started before its tests (with the browser image built, when
 * asked), closed after them; the tail of its log printed when a test fails, and only then.
 * Register it as a static field with {@code @RegisterExtension}.
 */
public final class WarrenFixture implements BeforeAllCallback, AfterAllCallback, TestWatcher {
  private final boolean browserImage;
  private TestWarren server;

  private WarrenFixture(boolean browserImage) {
    this.browserImage = browserImage;
  }

  /** A Warren with the base image, for sandboxes and sessions. */
  public static WarrenFixture plain() {
    return new WarrenFixture(false);
  }

  /** A Warren that can start browser sessions. */
  public static WarrenFixture withBrowserImage() {
    return new WarrenFixture(true);
  }

  public TestWarren server() {
    return server;
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    if (browserImage) {
      TestWarren.ensureImage("browser");
    }
    server = TestWarren.start();
  }

  @Override
  public void afterAll(ExtensionContext context) {
    if (server != null) {
      server.close();
    }
  }

  @Override
  public void testFailed(ExtensionContext context, Throwable cause) {
    if (server != null) {
      System.out.println("---- server log, last 80 lines, after " + context.getDisplayName() + " failed\n" + server.log(80));
    }
  }
}
