package dev.warren.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warren.testing.TestWarren;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestWatcher;
import tools.jackson.databind.JsonNode;

/**
 * A real Warren and the system's headless Firefox ESR ({@link Firefox}, over WebDriver BiDi) for
 * dashboard tests: the Firefox counterpart of {@link DashboardFixture}. Each test opens its own tab
 * in a user context of its own, so cookies never leak between tests. On a failed test the page's
 * console messages, script errors and failed requests, and the controller's log tail, are printed.
 */
final class FirefoxFixture implements AutoCloseable, TestWatcher {
  final TestWarren warren;
  final Firefox firefox;

  FirefoxFixture(TestWarren warren) {
    this.warren = warren;
    try {
      this.firefox = Firefox.launch();
      firefox.command("session.subscribe", Map.of("events", List.of("log.entryAdded", "network.responseCompleted", "network.fetchError")));
    } catch (RuntimeException e) {
      try {
        warren.close();
      } catch (RuntimeException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
  }

  /** A fresh window with its own cookies, 1400 × 900; close it at the end of the test. */
  FirefoxTab tab() {
    firefox.drainEvents("");
    return FirefoxTab.open(firefox, 1400, 900);
  }

  /** A tab logged in through the login form with the API token, showing the sandboxes. */
  FirefoxTab loggedIn() {
    FirefoxTab tab = tab();
    try {
      tab.navigate(url("/login"));
      tab.fill("#token", warren.token());
      tab.click("button[type=submit]");
      JsonNode posted = firefox.awaitEvent("network.responseCompleted", e -> e.path("context").asString().equals(tab.context)
          && e.path("request").path("method").asString().equals("POST") && e.path("request").path("url").asString().endsWith("/login"),
          Duration.ofSeconds(20));
      assertThat(posted.path("response").path("status").asInt()).as("POST /login").isEqualTo(303);
      tab.waitForSelector("#sandboxes");
      return tab;
    } catch (RuntimeException | AssertionError e) {
      tab.close();
      throw e;
    }
  }

  String url(String path) {
    return warren.base().resolve(path).toString();
  }

  /** What the page logged, threw, and which requests failed, since the last tab was opened. */
  String pageLog() {
    StringBuilder s = new StringBuilder();
    for (JsonNode e : firefox.drainEvents("")) {
      JsonNode p = e.path("params");
      switch (e.path("method").asString()) {
        case "log.entryAdded" -> s.append(p.path("type").asString()).append(' ').append(p.path("level").asString()).append(": ")
            .append(p.path("text").asString()).append('\n');
        case "network.responseCompleted" -> {
          int status = p.path("response").path("status").asInt();
          if (status >= 400) {
            s.append(p.path("request").path("method").asString()).append(' ').append(p.path("request").path("url").asString())
                .append(" -> ").append(status).append('\n');
          }
        }
        case "network.fetchError" -> s.append(p.path("request").path("method").asString()).append(' ')
            .append(p.path("request").path("url").asString()).append(" failed: ").append(p.path("errorText").asString()).append('\n');
        default -> { }
      }
    }
    return s.toString();
  }

  @Override
  public void testFailed(ExtensionContext context, Throwable cause) {
    System.out.println("---- Firefox console, errors and failed requests during " + context.getDisplayName() + "\n" + pageLog());
    System.out.println("---- Firefox's own output, last lines\n" + firefox.output());
    System.out.println("---- server log, last 80 lines, after " + context.getDisplayName() + " failed\n" + warren.log(80));
  }

  @Override
  public void close() {
    try {
      firefox.close();
    } finally {
      warren.close();
    }
  }
}
