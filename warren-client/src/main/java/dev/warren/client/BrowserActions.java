package dev.warren.client;

import java.time.Duration;

/**
 * Simple actions on a browser session's first page (one is opened when there is none), for callers
 * that do not speak CDP. Each is one HTTP call, counts as activity, and works alongside CDP clients
 * connected to the same session.
 *
 * <pre>{@code
 * BrowserActions page = browser.actions();
 * page.navigate("https://shop.example.com/login");
 * page.type("#user", "agent-42");
 * page.click("button[type=submit]");
 * if (page.waitFor("#basket", Duration.ofSeconds(10))) {
 *   Object count = page.evaluate("document.querySelectorAll('#basket li').length");   // a Long
 *   byte[] png = page.screenshot(true);
 * }
 * }</pre>
 *
 * <p>Timeouts are sent in whole seconds (rounded up), 1 s to 10 min, {@link #DEFAULT_TIMEOUT}
 * when not given; the HTTP call waits that long plus a margin. Navigate, wait, content, screenshot
 * and PDF are retried like reads; click, type and evaluate only when the connection was refused
 * before sending, since they could act twice. Failures: {@link InvalidInputException} for bad
 * input ({@code field()} names it), {@link ConflictException} when the session is not ready, the
 * page failed to load in time, no element matched, or the script threw (the message says which).
 * Thread-safe.
 */
public interface BrowserActions {

  /** How long an action may take when no timeout is given (the server's default). */
  Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);

  /** When a navigation counts as done. */
  enum WaitUntil {
    /** The {@code load} event: the page and its resources are in. */
    LOAD,
    /** {@code DOMContentLoaded}: the document is parsed; images may still be loading. */
    DOM_CONTENT_LOADED
  }

  /** Loads an {@code http(s):}, {@code about:} or {@code data:} URL and waits for its load event. */
  default Navigation navigate(String url) {
    return navigate(url, WaitUntil.LOAD, DEFAULT_TIMEOUT);
  }

  /**
   * Loads a URL and waits until {@code until}, at most {@code timeout}.
   *
   * @throws ConflictException when the navigation failed (e.g. egress denied it) or the page did
   *     not finish loading in time
   */
  Navigation navigate(String url, WaitUntil until, Duration timeout);

  /** Waits until a CSS selector matches an element; {@code false} after {@link #DEFAULT_TIMEOUT}. */
  default boolean waitFor(String selector) {
    return waitFor(selector, DEFAULT_TIMEOUT);
  }

  /** Waits until a CSS selector matches an element; {@code false} after {@code timeout}. */
  boolean waitFor(String selector, Duration timeout);

  /** Clicks the centre of the first element the selector matches, waiting for it to appear. */
  default void click(String selector) {
    click(selector, DEFAULT_TIMEOUT);
  }

  /**
   * Clicks the centre of the first element the selector matches, as a user would (mouse events),
   * waiting up to {@code timeout} for it to appear.
   *
   * @throws ConflictException when nothing matched in time
   */
  void click(String selector, Duration timeout);

  /** Focuses the first element the selector matches and types {@code text} into it. */
  default void type(String selector, String text) {
    type(selector, text, DEFAULT_TIMEOUT);
  }

  /**
   * Focuses the first element the selector matches (waiting up to {@code timeout} for it) and
   * inserts {@code text} as if typed.
   *
   * @throws ConflictException when nothing matched in time
   */
  void type(String selector, String text, Duration timeout);

  /** Inserts {@code text} into whatever element has the focus. */
  void typeIntoFocused(String text);

  /**
   * Fills the first file input ({@code <input type=file>}) the selector matches with a file that
   * is already in the browser's sandbox (Chromium must be able to read it); the page gets its
   * input and change events as from a user's choice.
   *
   * @throws InvalidInputException when there is no file at {@code sandboxPath} ({@code field()} is path)
   * @throws ConflictException when nothing matched in time, or what matched is not a file input
   */
  UploadedFile upload(String selector, String sandboxPath, Duration timeout);

  /** {@link #upload(String, String, Duration)} with {@link #DEFAULT_TIMEOUT}. */
  default UploadedFile upload(String selector, String sandboxPath) {
    return upload(selector, sandboxPath, DEFAULT_TIMEOUT);
  }

  /**
   * Writes {@code content} as {@code fileName} into the browser's sandbox (at most 12 MiB; larger
   * files go in with the sandbox's file API), then fills the file input with it.
   */
  UploadedFile upload(String selector, String fileName, byte[] content, Duration timeout);

  /** {@link #upload(String, String, byte[], Duration)} with {@link #DEFAULT_TIMEOUT}. */
  default UploadedFile upload(String selector, String fileName, byte[] content) {
    return upload(selector, fileName, content, DEFAULT_TIMEOUT);
  }

  /** Evaluates a JavaScript expression in the page; see {@link #evaluate(String, Duration)}. */
  default Object evaluate(String expression) {
    return evaluate(expression, DEFAULT_TIMEOUT);
  }

  /**
   * Evaluates a JavaScript expression in the page, awaiting it when it is a promise, and answers
   * its value as JSON would carry it: {@code null}, {@link Boolean}, {@link String}, {@link Long}
   * for integers, {@link java.math.BigDecimal} for other numbers, {@link java.util.List} or
   * {@link java.util.Map}. {@code undefined}, functions and DOM nodes come back as {@code null}
   * or empty maps.
   *
   * @throws ConflictException when the script threw (the message carries its error)
   */
  Object evaluate(String expression, Duration timeout);

  /** The page's visible text ({@code document.body.innerText}). */
  default String text() {
    return content(ContentFormat.TEXT, DEFAULT_TIMEOUT);
  }

  /** The page's HTML ({@code document.documentElement.outerHTML}). */
  default String html() {
    return content(ContentFormat.HTML, DEFAULT_TIMEOUT);
  }

  /** What {@link #content(ContentFormat, Duration)} answers. */
  enum ContentFormat {
    /** The visible text. */
    TEXT,
    /** The serialized DOM. */
    HTML
  }

  /** The page as text or HTML. */
  String content(ContentFormat format, Duration timeout);

  /** A PNG of the viewport. */
  default byte[] screenshot() {
    return screenshot(false, DEFAULT_TIMEOUT);
  }

  /** A PNG of the viewport, or of the whole page when {@code fullPage}. */
  default byte[] screenshot(boolean fullPage) {
    return screenshot(fullPage, DEFAULT_TIMEOUT);
  }

  byte[] screenshot(boolean fullPage, Duration timeout);

  /** The page printed to PDF, backgrounds included. */
  default byte[] pdf() {
    return pdf(DEFAULT_TIMEOUT);
  }

  /**
   * The page printed to PDF.
   *
   * @throws ConflictException when the browser is not headless (only headless Chromium prints)
   */
  byte[] pdf(Duration timeout);
}
