package dev.warren.client;

import java.util.List;
import java.util.Optional;

/**
 * The browser sessions of one server: Chromium in a sandbox of its own, driven over CDP (Playwright,
 * Puppeteer) or through simple {@link BrowserActions}.
 *
 * <pre>{@code
 * try (Browser b = warren.browsers().create(BrowserSpec.builder().key("agent-42:run-7")
 *         .allowEgress("example.com:443").build())) {
 *   var page = playwright.chromium().connectOverCDP(b.cdpUrl()).contexts().getFirst().newPage();
 *   page.navigate("https://example.com");
 *   byte[] png = b.actions().screenshot();
 * }   // the session is closed here, its profile (if any) saved
 * }</pre>
 *
 * Handles come in two kinds:
 * <ul>
 *   <li><b>owning</b>: {@link #create(BrowserSpec)} and {@link #attach(String, boolean)
 *       attach(id, true)}; closing the handle closes the session, so try-with-resources cleans up.
 *       To keep a keyed session across steps, do not close its handle: the next step's
 *       {@code create} with the same key answers the same session.
 *   <li><b>non-owning</b>: {@link #get(String)}, {@link #list()} and {@link #attach(String)};
 *       closing the handle leaves the session alone.
 * </ul>
 * Thread-safe.
 */
public interface Browsers {

  /**
   * Starts a browser session and answers an owning handle once Chromium answers on DevTools
   * (about a second), or, when {@code spec} has a key and a live session already holds it, answers
   * that session ({@link Browser#reused()} is then {@code true} and the rest of {@code spec} is not
   * applied). Retries carry one {@code Idempotency-Key}, so a retried create never starts a second
   * browser.
   *
   * @throws InvalidInputException when the server rejects the spec ({@code field()} says which part)
   * @throws ConflictException when another live session writes the profile; ask for it with
   *     {@link BrowserSpec.Builder#profileReadOnly(String)} or wait. The problem's {@code writer}
   *     extension names that session.
   * @throws UnavailableException when Chromium did not start
   */
  Browser create(BrowserSpec spec);

  /** Starts a browser with the server's defaults: headless, 1280 × 720, no egress. */
  default Browser create() {
    return create(BrowserSpec.defaults());
  }

  /** A non-owning handle with fresh info (closed sessions too), or empty when there is no such session. */
  Optional<Browser> get(String id);

  /** Non-owning handles to the live sessions (starting, ready, crashed or closing), oldest first. */
  List<Browser> list();

  /**
   * Closes a session: saves its profile when it writes one, removes its sandbox. Closing a closed
   * session is fine.
   *
   * @return {@code true} if the session exists (now closed), {@code false} if there is none
   */
  boolean delete(String id);

  /**
   * Closes every live session whose key starts with {@code keyPrefix}, e.g. {@code agent-42:}.
   *
   * @return how many the server closed (a retried call counts only what its last attempt closed)
   */
  int deleteByKeyPrefix(String keyPrefix);

  /** Closes every live session of the server, keyed or not; answers how many. */
  int deleteAll();

  /** A non-owning handle by id, without asking the server anything. */
  Browser attach(String id);

  /** A handle by id, without asking the server; with {@code deleteOnClose} it owns the session. */
  Browser attach(String id, boolean deleteOnClose);
}
