package dev.warren.browser;

import dev.warren.error.Problem;
import dev.warren.error.WarrenException;
import dev.warren.runtime.GuestFiles;
import java.io.InputStream;
import java.util.List;

/**
 * {@code GET /v1/browsers/{id}/downloads[/{name}]}: the files a session's pages downloaded (see
 * {@link Downloads}) and their bytes, read from its sandbox. Stateless; thread-safe.
 */
public final class BrowserDownloads {
  private final BrowserService browsers;

  public BrowserDownloads(BrowserService browsers) {
    this.browsers = browsers;
  }

  /** The session's downloads, oldest first. 409 when it has no sandbox any more. */
  public List<Download> list(String id) {
    return browsers.downloads().list(id, listing(sandbox(id)));
  }

  /** The bytes of download {@code name}; the caller closes the stream. 400 for a name that is not one, 404 when there is none. */
  public InputStream open(String id, String name) {
    check(name);
    String sandbox = sandbox(id);
    if (listing(sandbox).stream().noneMatch(f -> f.name().equals(name) && f.type().equals("file"))) {
      throw new BrowserException(Problem.NOT_FOUND, "browser session " + id + " has no download named " + name
          + " (GET /v1/browsers/" + id + "/downloads lists them)");
    }
    return browsers.sandboxes().files(sandbox).read(Chromium.DOWNLOADS + "/" + name);
  }

  static void check(String name) {
    if (name == null || name.isEmpty() || name.length() > 255 || name.contains("/") || name.equals(".") || name.equals("..")
        || name.indexOf('\0') >= 0) {
      throw WarrenException.invalid("name", "name must be a file name (no '/', not '.' or '..', at most 255 characters)");
    }
  }

  private String sandbox(String id) {
    BrowserSession b = browsers.get(id);
    if (!b.state().live() || b.sandboxId().isEmpty()) {
      throw new BrowserException(Problem.CONFLICT, "browser session " + id + " is " + b.state().wire()
          + "; its downloads went with its sandbox", java.util.Map.of("state", b.state().wire()));
    }
    return b.sandboxId().get();
  }

  private List<GuestFiles.Entry> listing(String sandbox) {
    try {
      return browsers.sandboxes().files(sandbox).list(Chromium.DOWNLOADS);
    } catch (WarrenException e) {
      if (e.problem() == Problem.NOT_FOUND) {
        return List.of(); // Chromium has not made it yet
      }
      throw e;
    }
  }
}
