package dev.warren.browser;

import dev.warren.computer.ActionParser;
import dev.warren.computer.ComputerRunner;
import java.time.Duration;

/**
 * Computer use on a browser session's page: the same actions and answers as on a desktop, driven
 * over CDP on the session's first page (made when there is none). Each request attaches to the
 * page for its actions alone; it counts as activity. Thread-safe.
 */
public final class BrowserComputer implements BrowserListener {
  static final Duration STEP_TIMEOUT = Duration.ofSeconds(30);

  private final BrowserService browsers;
  private final ComputerRunner runner = new ComputerRunner();

  public BrowserComputer(BrowserService browsers) {
    this.browsers = browsers;
    browsers.addListener(this);
  }

  public ComputerRunner.Outcome run(String browserId, ActionParser.Request request) {
    try (PageSurface surface = new PageSurface(PageSession.open(browsers, browserId, STEP_TIMEOUT), STEP_TIMEOUT)) {
      return runner.run(browserId, surface, request);
    }
  }

  @Override
  public void ended(BrowserSession now, long endedGeneration, String why) {
    runner.forget(now.id());
  }
}
