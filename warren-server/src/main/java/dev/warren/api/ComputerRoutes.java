package dev.warren.api;

import dev.warren.browser.BrowserComputer;
import dev.warren.browser.BrowserService;
import dev.warren.browser.BrowserSession;
import dev.warren.computer.ActionParser;
import dev.warren.computer.ComputerRunner;
import dev.warren.computer.DesktopComputer;
import dev.warren.computer.Scale;
import dev.warren.error.WarrenException;
import dev.warren.stream.Handoffs;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.util.Base64;
import java.util.Optional;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Computer use: {@code POST /v1/sandboxes/{id}/desktop/actions} and {@code POST
 * /v1/browsers/{id}/actions}, one action or a list run in order, answered as JSON (screenshots as
 * base64 PNG) or, with {@code Accept: image/png}, as the PNG of the last action's screenshot.
 * Refused with 409 while a human has the session through a handoff.
 */
final class ComputerRoutes {
  private final DesktopComputer desktops;
  private final BrowserComputer pages;
  private final BrowserService browsers;
  private final Handoffs handoffs;

  ComputerRoutes(DesktopComputer desktops, BrowserComputer pages, BrowserService browsers, Handoffs handoffs) {
    this.desktops = desktops;
    this.pages = pages;
    this.browsers = browsers;
    this.handoffs = handoffs;
  }

  void register(RoutesConfig r) {
    r.post("/v1/sandboxes/{id}/desktop/actions", ctx -> {
      ActionParser.Request req = ActionParser.parse(Body.tree(ctx));
      String id = ctx.pathParam("id");
      // a headed browser draws on its sandbox's desktop: its handoff holds that desktop too
      for (BrowserSession b : browsers.list()) {
        if (b.sandboxId().equals(Optional.of(id)) && b.state().live()) {
          handoffs.refuseAgentInput(b.id());
        }
      }
      send(ctx, desktops.run(id, req));
    });
    r.post("/v1/browsers/{id}/actions", ctx -> {
      ActionParser.Request req = ActionParser.parse(Body.tree(ctx));
      String id = browsers.get(ctx.pathParam("id")).id();
      handoffs.refuseAgentInput(id);
      send(ctx, pages.run(id, req));
    });
  }

  private static void send(Context ctx, ComputerRunner.Outcome o) {
    String accept = Optional.ofNullable(ctx.header("Accept")).orElse("");
    if (accept.contains("image/png") && !accept.contains("json")) {
      ComputerRunner.Result last = o.results().getLast();
      byte[] png = last.png().orElseThrow(() -> WarrenException.invalid("Accept", "Accept: image/png answers requests whose last action is "
          + "a screenshot; the last action here is " + last.action() + " (ask for application/json)"));
      ctx.header("X-Warren-Screen", o.scale().view().toString());
      ctx.contentType("image/png").result(png);
      return;
    }
    ObjectNode out = Json.object();
    out.set("screen", size(o.scale().view()));
    out.set("display", size(o.scale().real()));
    ArrayNode results = out.putArray("results");
    for (ComputerRunner.Result r : o.results()) {
      ObjectNode n = results.addObject().put("action", r.action());
      r.png().ifPresent(png -> n.put("mediaType", "image/png").put("width", r.size().orElseThrow().width())
          .put("height", r.size().orElseThrow().height()).put("data", Base64.getEncoder().encodeToString(png)));
      r.pointer().ifPresent(p -> n.put("x", p[0]).put("y", p[1]));
    }
    Json.send(ctx, 200, out);
  }

  private static ObjectNode size(Scale.Size s) {
    return Json.object().put("width", s.width()).put("height", s.height());
  }
}
