package dev.warren.web;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.NullNode;

/**
 * A window of a {@link Firefox} in a user context of its own (its own cookies and storage, like a
 * Playwright browser context): navigation, script evaluation, waits, real input (WebDriver BiDi
 * input.performActions, which Firefox dispatches as trusted events) and screenshots. Not
 * thread-safe; close it at the end of the test.
 */
final class FirefoxTab implements AutoCloseable {
  /** WebDriver key values for keys that are not characters. */
  static final String ENTER = "\uE007";
  static final String BACKSPACE = "\uE003";
  static final String CONTROL = "\uE009";

  private static final Duration POLL = Duration.ofMillis(100);

  private final Firefox firefox;
  private final String userContext;
  final String context;
  private boolean closed;

  private FirefoxTab(Firefox firefox, String userContext, String context) {
    this.firefox = firefox;
    this.userContext = userContext;
    this.context = context;
  }

  static FirefoxTab open(Firefox firefox, int width, int height) {
    String user = firefox.command("browser.createUserContext", Map.of()).path("userContext").asString();
    String context;
    try {
      context = firefox.command("browsingContext.create", Map.of("type", "window", "userContext", user)).path("context").asString();
    } catch (RuntimeException e) {
      firefox.command("browser.removeUserContext", Map.of("userContext", user));
      throw e;
    }
    FirefoxTab tab = new FirefoxTab(firefox, user, context);
    firefox.command("browsingContext.setViewport", Map.of("context", context, "viewport", Map.of("width", width, "height", height)));
    return tab;
  }

  /** Loads {@code url} and waits until its document has loaded. */
  void navigate(String url) {
    firefox.command("browsingContext.navigate", Map.of("context", context, "url", url, "wait", "complete"));
  }

  String url() {
    return eval("location.href").asString();
  }

  /**
   * The value of a JavaScript expression in the page (awaited when it is a promise), through JSON:
   * what {@code JSON.stringify} makes of it, read back; {@code undefined} is a null node.
   */
  JsonNode eval(String expression) {
    JsonNode r = firefox.command("script.evaluate", Map.of(
        "expression", "(async () => JSON.stringify(await (" + expression + ")))()",
        "target", Map.of("context", context), "awaitPromise", true, "resultOwnership", "none"));
    if (r.path("type").asString().equals("exception")) {
      JsonNode d = r.path("exceptionDetails");
      throw new IllegalStateException("the page threw evaluating " + expression + ": " + d.path("text").asString()
          + " (" + d.path("exception").path("value") + ")");
    }
    JsonNode v = r.path("result");
    return v.path("type").asString().equals("string") ? Firefox.JSON.readTree(v.path("value").asString()) : NullNode.getInstance();
  }

  String text(String expression) {
    JsonNode v = eval(expression);
    return v.isNull() ? null : v.asString();
  }

  /** Polls {@code condition} (a JavaScript expression) until it is truthy; fails naming {@code what} and its last value. */
  void waitFor(String what, String condition, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    JsonNode last = null;
    RuntimeException error = null;
    while (true) {
      try {
        last = eval("!!(" + condition + ")");
        error = null;
        if (last.asBoolean()) {
          return;
        }
      } catch (IllegalStateException e) {
        // e.g. the document is being replaced; try again
        error = e;
      }
      if (System.nanoTime() > deadline) {
        AssertionError failed = new AssertionError("timed out after " + timeout.toMillis() + " ms waiting for " + what
            + " (" + condition + " was " + last + ") at " + safeUrl());
        if (error != null) {
          failed.addSuppressed(error);
        }
        throw failed;
      }
      sleep(POLL);
    }
  }

  void waitFor(String what, String condition) {
    waitFor(what, condition, Duration.ofSeconds(20));
  }

  /** Waits until an element matches {@code selector}. */
  void waitForSelector(String selector) {
    waitFor(selector, "document.querySelector(" + js(selector) + ")");
  }

  private String safeUrl() {
    try {
      return url();
    } catch (RuntimeException e) {
      return "(url unknown: " + e.getMessage() + ")";
    }
  }

  /**
   * Where an element is in the viewport (CSS pixels), once it is scrolled into view, has kept its
   * place for 100 ms and is what a click at its centre would hit (as Playwright checks before a click).
   */
  Box box(String selector) {
    waitForSelector(selector);
    String probe = """
        (async () => {
          const e = document.querySelector(%s);
          if (!e) return {missing: true};
          e.scrollIntoView({block: 'center', inline: 'center'});
          const a = e.getBoundingClientRect();
          await new Promise(r => setTimeout(r, 100));
          const b = e.getBoundingClientRect();
          const hit = document.elementFromPoint(b.left + b.width / 2, b.top + b.height / 2);
          return {x: b.left, y: b.top, width: b.width, height: b.height,
            ready: a.left === b.left && a.top === b.top && a.width === b.width && a.height === b.height
              && b.width > 0 && b.height > 0 && !!hit && (hit === e || e.contains(hit))};
        })()""".formatted(js(selector));
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (true) {
      JsonNode r = eval(probe);
      if (r.path("ready").asBoolean()) {
        return Box.of(r);
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError(selector + " did not become still, visible and on top within 20 s (last seen: " + r + ") at " + safeUrl());
      }
    }
  }

  record Box(double x, double y, double width, double height) {
    static Box of(JsonNode r) {
      return new Box(r.path("x").asDouble(), r.path("y").asDouble(), r.path("width").asDouble(), r.path("height").asDouble());
    }

    double centerX() {
      return x + width / 2;
    }

    double centerY() {
      return y + height / 2;
    }
  }

  /** A real left click (mouse move, press, release) at the centre of the element. */
  void click(String selector) {
    Box b = box(selector);
    clickAt(b.centerX(), b.centerY());
  }

  /** A real left click at a point of the viewport (CSS pixels); it lands in whatever is there, frames included. */
  void clickAt(double x, double y) {
    perform(Map.of("type", "pointer", "id", "mouse", "parameters", Map.of("pointerType", "mouse"), "actions", List.of(
        Map.of("type", "pointerMove", "x", (int) Math.round(x), "y", (int) Math.round(y)),
        Map.of("type", "pointerDown", "button", 0),
        Map.of("type", "pointerUp", "button", 0))));
  }

  /** A wheel turn at a point of the viewport. */
  void wheel(double x, double y, int deltaY) {
    perform(Map.of("type", "wheel", "id", "wheel", "actions", List.of(
        Map.of("type", "scroll", "x", (int) Math.round(x), "y", (int) Math.round(y), "deltaX", 0, "deltaY", deltaY))));
  }

  /** Types {@code text} key by key into whatever has the focus; WebDriver key values such as {@link #ENTER} work too. */
  void type(String text) {
    List<Map<String, Object>> keys = new ArrayList<>();
    text.codePoints().forEach(cp -> {
      String k = Character.toString(cp);
      keys.add(Map.of("type", "keyDown", "value", k));
      keys.add(Map.of("type", "keyUp", "value", k));
    });
    perform(Map.of("type", "key", "id", "keyboard", "actions", keys));
  }

  /** Presses keys together (e.g. {@link #CONTROL} and "v"): down in order, up in reverse. */
  void chord(String... keys) {
    List<Map<String, Object>> actions = new ArrayList<>();
    for (String k : keys) {
      actions.add(Map.of("type", "keyDown", "value", k));
    }
    for (int i = keys.length - 1; i >= 0; i--) {
      actions.add(Map.of("type", "keyUp", "value", keys[i]));
    }
    perform(Map.of("type", "key", "id", "keyboard", "actions", actions));
  }

  /** Clicks into a form field, empties it and types {@code text}. */
  void fill(String selector, String text) {
    click(selector);
    eval("(() => { const e = document.querySelector(" + js(selector) + "); e.value = ''; e.focus(); })()");
    type(text);
  }

  private void perform(Map<String, Object> source) {
    firefox.command("input.performActions", Map.of("context", context, "actions", List.of(source)));
  }

  /** The viewport as Firefox renders it. */
  BufferedImage screenshot() {
    String data = firefox.command("browsingContext.captureScreenshot", Map.of("context", context, "origin", "viewport")).path("data").asString();
    try {
      return ImageIO.read(new ByteArrayInputStream(Base64.getDecoder().decode(data)));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot decode Firefox's screenshot", e);
    }
  }

  /** Saves a screenshot under target/ for a person to look at. */
  void saveScreenshot(String name) {
    try {
      ImageIO.write(screenshot(), "png", Files.createDirectories(Path.of("target")).resolve("firefox-" + name + ".png").toFile());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The cookies of this tab's user context. */
  JsonNode cookies() {
    return firefox.command("storage.getCookies", Map.of("partition", Map.of("type", "context", "context", context))).path("cookies");
  }

  /** A JavaScript string literal. */
  static String js(String s) {
    return Firefox.JSON.writeValueAsString(s);
  }

  static void sleep(Duration d) {
    try {
      Thread.sleep(d);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      firefox.command("browsingContext.close", Map.of("context", context));
    } finally {
      firefox.command("browser.removeUserContext", Map.of("userContext", userContext));
    }
  }
}
