package dev.warren.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.Playwright;
import com.microsoft.playwright.Response;
import dev.warren.testing.TestWarren;
import java.util.Map;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestWatcher;

/**
 * A real Warren and a real headless Chromium (the system's, driven by Playwright, in a network
 * namespace of its own: {@link IsolatedChromium}) for dashboard tests. Each test opens its own browser context, so cookies never leak between tests. On a
 * failed test the controller's log tail is printed.
 */
final class DashboardFixture implements AutoCloseable, TestWatcher {
  final TestWarren warren;
  private final Playwright playwright;
  private final IsolatedChromium chromium;
  private final Browser browser;
  private final StringBuffer pageLog = new StringBuffer();

  DashboardFixture(TestWarren warren) {
    this.warren = warren;
    Playwright pw = null;
    try {
      pw = Playwright.create(new Playwright.CreateOptions().setEnv(Map.of("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")));
      this.chromium = new IsolatedChromium(pw, warren.base());
      this.browser = chromium.browser;
      this.playwright = pw;
    } catch (RuntimeException e) {
      if (pw != null) {
        pw.close();
      }
      warren.close();
      throw e;
    }
  }

  /** A fresh browser context (its own cookies); close it at the end of the test. */
  BrowserContext context() {
    pageLog.setLength(0);
    BrowserContext ctx = browser.newContext(new Browser.NewContextOptions().setViewportSize(1400, 900));
    ctx.onPage(p -> {
      p.onConsoleMessage(m -> pageLog.append("console ").append(m.type()).append(": ").append(m.text()).append('\n'));
      p.onPageError(e -> pageLog.append("page error: ").append(e).append('\n'));
      p.onResponse(r -> {
        if (r.status() >= 400) {
          pageLog.append(r.request().method()).append(' ').append(r.url()).append(" -> ").append(r.status()).append('\n');
        }
      });
    });
    return ctx;
  }

  /** A page of {@code ctx} logged in through the login form with the API token, showing the sandboxes. */
  Page loggedIn(BrowserContext ctx) {
    Page page = ctx.newPage();
    page.setDefaultTimeout(20_000);
    page.navigate(url("/login"));
    page.fill("#token", warren.token());
    Response r = page.waitForResponse(res -> res.url().endsWith("/login") && res.request().method().equals("POST"),
        () -> page.click("button[type=submit]"));
    assertThat(r.status()).as("POST /login").isEqualTo(303);
    page.waitForSelector("#sandboxes");
    return page;
  }

  String url(String path) {
    return warren.base().resolve(path).toString();
  }

  @Override
  public void testFailed(ExtensionContext context, Throwable cause) {
    System.out.println("---- browser console, errors and failed requests during " + context.getDisplayName() + "\n" + pageLog);
    System.out.println("---- server log, last 80 lines, after " + context.getDisplayName() + " failed\n" + warren.log(80));
  }

  @Override
  public void close() {
    try {
      chromium.close();
      playwright.close();
    } finally {
      warren.close();
    }
  }
}
