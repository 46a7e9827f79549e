package dev.warren.stream;

import dev.warren.testing.TestWarren;
import java.util.function.Supplier;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestWatcher;

/** Prints the tail of the controller's log when a test fails, and only then. */
public final class LogOnFailure implements TestWatcher {
  private final Supplier<TestWarren> server;

  public LogOnFailure(Supplier<TestWarren> server) {
    this.server = server;
  }

  @Override
  public void testFailed(ExtensionContext context, Throwable cause) {
    TestWarren s = server.get();
    if (s != null) {
      System.out.println("---- server log, last 120 lines, after " + context.getDisplayName() + " failed\n" + s.log(120));
    }
  }
}
