package dev.warren.browser;

/**
 * Told when the Chromium of a browser session ended, after the store says what happens next; on
 * the thread that ended it, so a listener must not block for long. Viewers and CDP clients of the
 * ended generation close on this.
 */
public interface BrowserListener {
  /**
   * @param now the session as stored now: {@code closing}/{@code closed} (gone for good),
   *     {@code crashed} (until someone restarts it), or {@code starting}/{@code ready} at a newer
   *     generation (a restart)
   * @param endedGeneration the generation whose Chromium ended
   * @param why what ended it, in words
   */
  void ended(BrowserSession now, long endedGeneration, String why);
}
