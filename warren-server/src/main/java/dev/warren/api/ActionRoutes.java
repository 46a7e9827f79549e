package dev.warren.api;

import dev.warren.browser.BrowserActions;
import dev.warren.error.WarrenException;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.time.Duration;
import java.util.Set;
import tools.jackson.databind.node.ObjectNode;

/** {@code POST /v1/browsers/{id}/actions/{navigate,waitFor,click,type,upload,evaluate,content,screenshot,pdf}}. */
final class ActionRoutes {
  /** The actions, in the order docs/api.md lists them; an unknown one is answered with this list. */
  static final java.util.List<String> NAMES = java.util.List.of("navigate", "waitFor", "click", "type", "upload", "evaluate", "content", "screenshot", "pdf");

  private final BrowserActions actions;
  private final dev.warren.browser.BrowserUpload upload;

  ActionRoutes(BrowserActions actions, dev.warren.browser.BrowserUpload upload) {
    this.actions = actions;
    this.upload = upload;
  }

  void register(RoutesConfig r) {
    String p = "/v1/browsers/{id}/actions/";
    r.post(p + "navigate", ctx -> {
      Body b = Body.of(ctx, Set.of("url", "waitUntil", "timeoutSeconds"));
      String url = b.string("url").orElseThrow(() -> WarrenException.invalid("url", "url is required"));
      String until = b.string("waitUntil").orElse("load");
      if (!until.equals("load") && !until.equals("domcontentloaded")) {
        throw WarrenException.invalid("waitUntil", "waitUntil must be load or domcontentloaded");
      }
      Json.send(ctx, 200, actions.navigate(id(ctx), url, until.equals("domcontentloaded"), timeout(b)));
    });
    r.post(p + "waitFor", ctx -> {
      Body b = Body.of(ctx, Set.of("selector", "timeoutSeconds"));
      boolean found = actions.waitFor(id(ctx), selector(b), timeout(b));
      Json.send(ctx, 200, Json.object().put("found", found));
    });
    r.post(p + "click", ctx -> {
      Body b = Body.of(ctx, Set.of("selector", "timeoutSeconds"));
      actions.click(id(ctx), selector(b), timeout(b));
      Json.send(ctx, 200, Json.object().put("clicked", true));
    });
    r.post(p + "type", ctx -> {
      Body b = Body.of(ctx, Set.of("selector", "text", "timeoutSeconds"));
      actions.type(id(ctx), b.string("selector"), b.string("text").orElseThrow(() -> WarrenException.invalid("text", "text is required")),
          timeout(b));
      Json.send(ctx, 200, Json.object().put("typed", true));
    });
    r.post(p + "upload", ctx -> {
      Body b = Body.of(ctx, Set.of("selector", "path", "name", "content", "timeoutSeconds"));
      String selector = selector(b);
      java.util.Optional<String> path = b.string("path");
      java.util.Optional<String> content = b.string("content");
      if (path.isPresent() == content.isPresent()) {
        throw WarrenException.invalid(path.isPresent() ? "content" : "path", "give path (a file in the browser's sandbox) or name and "
            + "content (base64), not both");
      }
      String file = path.isPresent() ? path.get() : upload.store(id(ctx), b.string("name").orElseThrow(() -> WarrenException.invalid("name",
          "name is required with content")), base64(content.get()));
      if (path.isPresent() && b.string("name").isPresent()) {
        throw WarrenException.invalid("name", "name goes with content; a path names its file itself");
      }
      Json.send(ctx, 200, upload.upload(id(ctx), selector, file, timeout(b)));
    });
    r.post(p + "evaluate", ctx -> {
      Body b = Body.of(ctx, Set.of("expression", "timeoutSeconds"));
      String expr = b.string("expression").orElseThrow(() -> WarrenException.invalid("expression", "expression is required"));
      ObjectNode out = Json.object();
      out.set("value", actions.evaluate(id(ctx), expr, timeout(b)));
      Json.send(ctx, 200, out);
    });
    r.post(p + "content", ctx -> {
      Body b = Body.of(ctx, Set.of("format", "timeoutSeconds"));
      String format = b.string("format").orElse("text");
      if (!format.equals("text") && !format.equals("html")) {
        throw WarrenException.invalid("format", "format must be text or html");
      }
      Json.send(ctx, 200, Json.object().put("format", format).put("content", actions.content(id(ctx), format.equals("html"), timeout(b))));
    });
    r.post(p + "screenshot", ctx -> {
      Body b = Body.of(ctx, Set.of("fullPage", "timeoutSeconds"));
      ctx.contentType("image/png").result(actions.screenshot(id(ctx), b.bool("fullPage").orElse(false), timeout(b)));
    });
    r.post(p + "pdf", ctx -> {
      Body b = Body.of(ctx, Set.of("timeoutSeconds"));
      ctx.contentType("application/pdf").result(actions.pdf(id(ctx), timeout(b)));
    });
    // registered last: the named routes above match first
    r.post(p + "{action}", ctx -> {
      throw new WarrenException(dev.warren.error.Problem.NOT_FOUND, "no browser action " + ctx.pathParam("action") + "; the actions are "
          + String.join(", ", NAMES), java.util.Optional.empty(), java.util.Map.of("actions", NAMES), null);
    });
  }

  private static String id(Context ctx) {
    return ctx.pathParam("id");
  }

  private static String selector(Body b) {
    return b.string("selector").filter(s -> !s.isBlank()).orElseThrow(() -> WarrenException.invalid("selector", "selector is required"));
  }

  private static byte[] base64(String content) {
    try {
      return java.util.Base64.getMimeDecoder().decode(content);
    } catch (IllegalArgumentException e) {
      throw WarrenException.invalid("content", "content must be base64: " + e.getMessage());
    }
  }

  private static Duration timeout(Body b) {
    return Duration.ofSeconds(b.integer("timeoutSeconds", 1, 600).orElse(30L));
  }
}
