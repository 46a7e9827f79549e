package dev.warren.mcp;

import static dev.warren.mcp.SandboxTools.enc;

import io.modelcontextprotocol.spec.McpSchema;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/** The browser tools: sessions, simple page actions, a screenshot as an image, and handing over to a human. */
final class BrowserTools {
  private static final Duration CALL = Duration.ofSeconds(60);
  private static final String BRW = "\"browserId\": {\"type\": \"string\", \"description\": \"The browser session id (brw_…), from browser_create.\"}";
  /** How often a waiting handoff reports progress. */
  static final Duration HANDOFF_POLL = Duration.ofSeconds(5);

  private BrowserTools() {}

  static List<ToolDef> all(LoopbackApi api) {
    return List.of(
        new ToolDef("browser_create", "Start a browser", """
            Starts Chromium in a sandbox of its own (about a second) and returns its id. With a key, a live session \
            with that key is returned instead of a new one, so an agent can come back to the same browser across \
            steps. A profile keeps cookies and logins between sessions. With idleAction 'pause' an idle browser is \
            frozen instead of closed and resumes when used again. The browser reaches only the hosts in \
            allowEgress, and the sandboxes' apps in reach (an agent's dev server, say). liveViewUrl lets a person \
            watch it; cdpUrl is for Playwright or Puppeteer.""", """
            {"type": "object", "properties": {
              "key": {"type": "string", "description": "Reuse key, e.g. 'agent-42:run-7'."},
              "profile": {"type": "string", "description": "Named profile to load and save (cookies, storage)."},
              "allowEgress": {"type": "array", "items": {"type": "string"}, "description": "Hosts it may open, as host, host:port or *.domain (e.g. 'example.com:443'). Default: none."},
              "reach": {"type": "array", "items": {"type": "string"}, "description": "Sandboxes whose apps it may open, as 'sbx_…' (every port) or 'sbx_…:3000'; the page opens http://sbx_…:3000/. Default: none."},
              "headless": {"type": "boolean", "description": "false runs a headed Chromium on a virtual display (default true)."},
              "width": {"type": "integer", "minimum": 100, "description": "Viewport width (default 1280)."},
              "height": {"type": "integer", "minimum": 100, "description": "Viewport height (default 720)."},
              "idleTimeoutSeconds": {"type": "integer", "minimum": 0, "maximum": 604800, "description": "How long it may go unused before its idleAction (default 1800; 0 never)."},
              "idleAction": {"type": "string", "enum": ["close", "pause"], "description": "What happens once it is idle past idleTimeoutSeconds: 'close' ends it, 'pause' freezes it (no CPU, memory kept) and the next call or CDP connection resumes it. Default: the server's setting (close unless changed)."},
              "pausedTimeoutSeconds": {"type": "integer", "minimum": 0, "maximum": 2592000, "description": "A paused browser idle this long more is closed; 0 (default) keeps it paused until it is used or closed."}
            }, "additionalProperties": false}""", false, false, c -> {
          ObjectNode body = c.copy(LoopbackApi.JSON.createObjectNode(), "key", "profile", "headless", "reach", "idleTimeoutSeconds", "idleAction",
              "pausedTimeoutSeconds");
          if (c.args().has("allowEgress")) {
            body.putObject("egress").set("allow", c.args().get("allowEgress"));
          }
          if (c.args().has("width") || c.args().has("height")) {
            body.set("viewport", c.copy(LoopbackApi.JSON.createObjectNode(), "width", "height"));
          }
          JsonNode b = api.call(c.authorization(), "POST", "/v1/browsers", body, CALL).json();
          ObjectNode out = LoopbackApi.JSON.createObjectNode();
          for (String f : List.of("id", "key", "state", "profile", "viewport", "idleTimeoutSeconds", "idleAction", "pausedTimeoutSeconds", "sandboxId",
              "liveViewUrl", "liveControlUrl", "cdpUrl")) {
            out.set(f, b.get(f));
          }
          return ToolDef.json(out);
        }),
        action(api, "browser_navigate", "Open a URL", "Loads a URL in the browser's page and waits for it to load; returns the final URL and title.",
            """
            "url": {"type": "string", "description": "http(s), about: or data: URL."},
            "waitUntil": {"type": "string", "enum": ["load", "domcontentloaded"], "description": "When it counts as loaded (default load)."}""",
            List.of("url"), "navigate", false),
        action(api, "browser_click", "Click an element", "Clicks the first element matching a CSS selector, as a user would, waiting for it to appear.",
            "\"selector\": {\"type\": \"string\", \"description\": \"CSS selector, e.g. 'button[type=submit]'.\"}", List.of("selector"), "click", false),
        action(api, "browser_type", "Type text", "Types text into the element matching a CSS selector (or the focused one when no selector is given).",
            """
            "text": {"type": "string", "description": "The text to type."},
            "selector": {"type": "string", "description": "CSS selector of the input to focus first."}""", List.of("text"), "type", false),
        new ToolDef("browser_extract_text", "Read the page's text", "Returns the visible text of the browser's page (document.body.innerText).",
            schema("", List.of()), true, false,
            c -> ToolDef.text(api.call(c.authorization(), "POST", act(c, "content"), LoopbackApi.JSON.createObjectNode().put("format", "text"), CALL)
                .json().path("content").asString())),
        new ToolDef("browser_content", "Read the page's HTML", "Returns the page's HTML (document.documentElement.outerHTML), or its text with format=text.",
            schema("\"format\": {\"type\": \"string\", \"enum\": [\"html\", \"text\"], \"description\": \"html (default) or text.\"}", List.of()), true,
            false, c -> ToolDef.text(api.call(c.authorization(), "POST", act(c, "content"),
                LoopbackApi.JSON.createObjectNode().put("format", c.optString("format").orElse("html")), CALL).json().path("content").asString())),
        action(api, "browser_evaluate", "Evaluate JavaScript", "Evaluates a JavaScript expression in the page (promises are awaited) and returns its value as JSON.",
            "\"expression\": {\"type\": \"string\", \"description\": \"e.g. 'document.querySelectorAll(\\\"li\\\").length'.\"}", List.of("expression"),
            "evaluate", false),
        new ToolDef("browser_screenshot", "Take a screenshot", "Returns a PNG screenshot of the page's viewport (or of the whole page) as an image.",
            schema("\"fullPage\": {\"type\": \"boolean\", \"description\": \"The whole scrollable page (default false).\"}", List.of()), true, false,
            c -> {
              byte[] png = api.call(c.authorization(), "POST", act(c, "screenshot"), c.copy(LoopbackApi.JSON.createObjectNode(), "fullPage"), CALL).body();
              return McpSchema.CallToolResult.builder().addContent(new McpSchema.ImageContent(null, Base64.getEncoder().encodeToString(png), "image/png"))
                  .build();
            }),
        new ToolDef("browser_close", "Close a browser", "Closes a browser session: saves its profile (if any) and removes its sandbox.",
            schema("", List.of()), false, true, c -> {
              api.call(c.authorization(), "DELETE", "/v1/browsers/" + enc(c.string("browserId")), null, CALL);
              return ToolDef.text("closed " + c.string("browserId"));
            }),
        new ToolDef("browser_handoff", "Ask a human to take over", """
            Asks a person to do something in the browser (log in, solve a challenge) and waits until they hand it back \
            (or waitSeconds pass). While waiting it reports progress with the link the person opens (liveControlUrl). \
            Returns the handoff's final state: done, cancelled, or still waiting/in-progress after waitSeconds.""",
            schema("""
                "reason": {"type": "string", "description": "What the person should do, e.g. 'log in to the shop, please'."},
                "waitSeconds": {"type": "integer", "minimum": 1, "maximum": 3600, "description": "How long to wait (default 600)."}""",
                List.of("reason")), false, false, c -> handoff(api, c)));
  }

  private static ToolDef action(LoopbackApi api, String name, String title, String description, String props, List<String> required, String action,
      boolean readOnly) {
    return new ToolDef(name, title, description, schema(props, required), readOnly, false, c -> {
      ObjectNode body = c.copy(LoopbackApi.JSON.createObjectNode(), "url", "waitUntil", "selector", "text", "expression");
      return ToolDef.json(api.call(c.authorization(), "POST", act(c, action), body, CALL).json());
    });
  }

  private static String schema(String props, List<String> required) {
    List<String> req = new java.util.ArrayList<>(List.of("\"browserId\""));
    required.forEach(r -> req.add("\"" + r + "\""));
    return "{\"type\": \"object\", \"properties\": {" + BRW + (props.isBlank() ? "" : ", " + props) + "}, \"required\": " + req
        + ", \"additionalProperties\": false}";
  }

  private static String act(ToolDef.Call c, String action) {
    return "/v1/browsers/" + enc(c.string("browserId")) + "/actions/" + action;
  }

  private static McpSchema.CallToolResult handoff(LoopbackApi api, ToolDef.Call c) {
    String browser = "/v1/browsers/" + enc(c.string("browserId"));
    JsonNode h = api.call(c.authorization(), "POST", browser + "/handoffs", LoopbackApi.JSON.createObjectNode().put("reason", c.string("reason")),
        CALL).json();
    String link = api.call(c.authorization(), "GET", browser, null, CALL).json().path("liveControlUrl").asString("");
    long total = c.args().path("waitSeconds").asLong(600);
    long deadline = System.nanoTime() + Duration.ofSeconds(total).toNanos();
    String path = browser + "/handoffs/" + enc(h.path("id").asString());
    while (isOpen(h) && System.nanoTime() < deadline) {
      long waited = total - Math.max(0, (deadline - System.nanoTime()) / 1_000_000_000L);
      c.progress(waited, (double) total, "waiting for a person (" + h.path("state").asString() + "): " + link);
      long slice = Math.max(1, Math.min(HANDOFF_POLL.toSeconds(), (deadline - System.nanoTime()) / 1_000_000_000L));
      h = api.call(c.authorization(), "GET", path + "?waitSeconds=" + slice, null, Duration.ofSeconds(slice)).json();
    }
    return ToolDef.json(h);
  }

  private static boolean isOpen(JsonNode h) {
    String s = h.path("state").asString();
    return s.equals("waiting") || s.equals("in-progress");
  }
}
