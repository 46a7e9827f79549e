package dev.warren.browser;

import dev.warren.error.Problem;
import dev.warren.error.WarrenException;
import java.io.ByteArrayInputStream;
import java.time.Duration;
import java.util.Optional;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The {@code upload} action: fills a file input ({@code <input type=file>}) of the session's page
 * with a file in the browser's sandbox, or with bytes the caller sent (written into
 * {@link #UPLOADS} first), through CDP's {@code DOM.setFileInputFiles} (the page sees its input
 * and change events as from a user's choice). Chromium ({@link Chromium#USER}) must be able to
 * read the file. Stateless; thread-safe.
 */
public final class BrowserUpload {
  /** Where bytes sent with the action are written in the browser's sandbox (root's, readable by all). */
  public static final String UPLOADS = "/var/lib/warren/browser/uploads";
  /** Bytes sent with the action travel as base64 in a JSON body (at most 16 MiB): larger files go in with the file API. */
  static final long MAX_BYTES = 12L << 20;

  private final BrowserService browsers;

  public BrowserUpload(BrowserService browsers) {
    this.browsers = browsers;
  }

  /** Writes {@code content} as {@code name} into {@link #UPLOADS} of the session's sandbox; returns its path there. */
  public String store(String id, String name, byte[] content) {
    BrowserDownloads.check(name);
    if (content.length > MAX_BYTES) {
      throw WarrenException.invalid("content", "content is larger than " + (MAX_BYTES >> 20) + " MiB; write the file into the sandbox "
          + "with the file API and give its path");
    }
    String path = UPLOADS + "/" + name;
    browsers.sandboxes().files(sandbox(id)).write(path, new ByteArrayInputStream(content), MAX_BYTES, Optional.of(0644));
    return path;
  }

  /** Fills the first file input matching {@code selector} with the file at {@code path}; answers {selector, path, name, size}. */
  public ObjectNode upload(String id, String selector, String path, Duration timeout) {
    long size = browsers.sandboxes().files(sandbox(id)).size(path);
    if (size < 0) {
      throw WarrenException.invalid("path", "no file at " + path + " in the browser's sandbox");
    }
    try (PageSession p = PageSession.open(browsers, id, timeout)) {
      if (!BrowserActions.waitIn(p, selector, timeout)) {
        throw new BrowserException(Problem.CONFLICT, "no element matches " + selector + " within " + timeout.toSeconds() + " s");
      }
      JsonNode input = p.call("Runtime.evaluate", CdpClient.params().put("expression", "document.querySelector("
          + BrowserActions.quote(selector) + ")"), timeout).path("result");
      if (!input.path("subtype").asString().equals("node") || !input.path("description").asString().startsWith("input")) {
        throw new BrowserException(Problem.CONFLICT, selector + " is " + input.path("description").asString("no element")
            + ", not a file input (<input type=file>)");
      }
      ObjectNode params = CdpClient.params().put("objectId", input.path("objectId").asString());
      params.putArray("files").add(path);
      p.call("DOM.setFileInputFiles", params, timeout);
      JsonNode chosen = BrowserActions.evaluateIn(p, "(() => { const f = document.querySelector(" + BrowserActions.quote(selector)
          + ").files; return f && f.length ? {name: f[0].name, size: f[0].size} : null; })()", timeout);
      if (chosen.isNull()) {
        throw new BrowserException(Problem.CONFLICT, selector + " took no file (is it an <input type=file>, enabled?)");
      }
      ObjectNode out = CdpClient.params().put("selector", selector).put("path", path);
      out.put("name", chosen.path("name").asString()).put("size", chosen.path("size").asLong());
      return out;
    }
  }

  private String sandbox(String id) {
    BrowserSession b = browsers.get(id);
    return b.sandboxId().filter(s -> b.state().live()).orElseThrow(() -> new BrowserException(Problem.CONFLICT, "browser session " + id
        + " is " + b.state().wire(), java.util.Map.of("state", b.state().wire())));
  }
}
