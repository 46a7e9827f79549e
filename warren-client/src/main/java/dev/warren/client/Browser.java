package dev.warren.client;

/**
 * A handle to one browser session. Thread-safe; {@link #info()} is the last state any call on this
 * handle saw, {@link #refresh()} asks the server again.
 *
 * <pre>{@code
 * try (Browser b = warren.browsers().create(BrowserSpec.builder().key("agent-42:run-7").build())) {
 *   var cdp = playwright.chromium().connectOverCDP(b.cdpUrl());   // Playwright, over Warren's CDP proxy
 *   cdp.contexts().getFirst().newPage().navigate("https://example.com");
 *   // or, without CDP:
 *   b.actions().navigate("https://example.com");
 *   String text = b.actions().text();
 * }
 * }</pre>
 *
 * <p>Closing an <em>owning</em> handle (from {@link Browsers#create(BrowserSpec)}) closes the
 * session, saving its profile when it writes one; closing a non-owning one (from {@code get},
 * {@code list}, {@code attach}) does not. Either way {@code close()} is idempotent and the handle
 * is unusable afterwards ({@link IllegalStateException}).
 */
public interface Browser extends AutoCloseable {

  /** The session id, e.g. {@code brw_01JD6…}. */
  String id();

  /** The last known state; fetched once if this handle has seen none yet. */
  BrowserInfo info();

  /**
   * Re-reads the session from the server; a closed session is answered too, with its reason.
   *
   * @throws NotFoundException if there is no such session
   */
  BrowserInfo refresh();

  /**
   * Whether this handle came from a {@code create} that found a live session under its key (HTTP
   * 200) instead of starting one (201). {@code false} for handles from {@code get}, {@code list}
   * and {@code attach}.
   */
  boolean reused();

  /**
   * A CDP WebSocket URL for Playwright's {@code connectOverCDP} or Puppeteer's {@code connect},
   * carrying a token signed now and valid for one hour; the browser's DevTools are asked each call.
   * The URL is a credential for this session: keep it out of logs.
   *
   * @throws ConflictException when the session is not ready ({@code state()} says which state; a
   *     crashed one can be {@link #restart() restarted})
   */
  String cdpUrl();

  /** The browser's {@code /json/version}: product, protocol and a freshly signed debugger URL. */
  BrowserVersion version();

  /** Simple actions on the session's first page, for callers that do not speak CDP. */
  BrowserActions actions();

  /** Computer use on the session's page: the same actions by coordinates as on a desktop. */
  Computer computer();

  /**
   * Counts as activity, pushing the idle timeout back, without doing anything else.
   *
   * @throws ConflictException when the session is not ready
   */
  BrowserInfo keepalive();

  /**
   * Starts Chromium again in place (after a crash, say), with the same profile directory; the
   * generation goes up and every CDP connection is closed.
   *
   * @throws ConflictException when the session is closed
   */
  BrowserInfo restart();

  /**
   * Freezes the session's sandbox: Chromium keeps its pages, cookies and memory and uses no CPU.
   * The next CDP connection (or a connected client's next message), live view or call on it
   * resumes it; so does {@link #resume()}. A paused session is answered as it is.
   *
   * @throws ConflictException when the session is not ready
   */
  BrowserInfo pause();

  /** Thaws a paused session (a running one is answered as it is). */
  BrowserInfo resume();

  /**
   * The files the session's pages downloaded, oldest first (they land in the server's downloads
   * directory of the session's sandbox).
   */
  java.util.List<DownloadInfo> downloads();

  /**
   * The bytes of a download, by its name in {@link #downloads()}.
   *
   * @throws NotFoundException when the session has no download of that name
   */
  byte[] download(String name);

  /** Whether {@link #close()} closes the session. */
  boolean deletesOnClose();

  /** Closes the session now, owning or not, and closes the handle. Already closed is fine. */
  void delete();

  /** Closes the session if this handle owns it (a 404 is fine); then the handle is closed. */
  @Override
  void close();
}
