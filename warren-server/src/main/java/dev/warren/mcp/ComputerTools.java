package dev.warren.mcp;

import static dev.warren.mcp.SandboxTools.enc;

import io.modelcontextprotocol.spec.McpSchema;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Computer use as tools: the action list of {@code POST /v1/sandboxes/{id}/desktop/actions} and
 * {@code POST /v1/browsers/{id}/actions} (docs/computer-use.md), one tool per surface with the
 * same arguments. The answer is the API's JSON as text, screenshots taken out of it and returned as
 * images, in the order they were taken.
 */
final class ComputerTools {
  /** Up to 100 actions, waits of up to 10 s among them. */
  private static final Duration CALL = Duration.ofSeconds(120);
  private static final String ACTIONS = """
      "actions": {"type": "array", "minItems": 1, "maxItems": 100, "description": "Run in order; all are checked first and none runs \
      if one is refused. e.g. [{\\"action\\": \\"click\\", \\"x\\": 512, \\"y\\": 300}, {\\"action\\": \\"wait\\", \\"ms\\": 300}, \
      {\\"action\\": \\"screenshot\\"}]", "items": {"type": "object", "properties": {
        "action": {"type": "string", "enum": ["screenshot", "mouse_move", "click", "drag", "scroll", "key", "type", "cursor_position", "wait"]},
        "x": {"type": "integer", "description": "Pixels from the left of the screen (click: optional, where the pointer is)."},
        "y": {"type": "integer", "description": "Pixels from the top of the screen."},
        "button": {"type": "string", "enum": ["left", "right", "middle"], "description": "click and drag (default left)."},
        "count": {"type": "integer", "minimum": 1, "maximum": 3, "description": "click: 2 for a double click."},
        "path": {"type": "array", "items": {"type": "object", "properties": {"x": {"type": "integer"}, "y": {"type": "integer"}}},
          "description": "drag: the points, pressed at the first and released at the last."},
        "dx": {"type": "integer", "description": "scroll: wheel clicks to the right (negative: left)."},
        "dy": {"type": "integer", "description": "scroll: wheel clicks down (negative: up)."},
        "keys": {"type": "string", "description": "key: xdotool names and chords, space-separated, e.g. 'ctrl+a BackSpace', 'Return'."},
        "text": {"type": "string", "description": "type: the text to type."},
        "ms": {"type": "integer", "minimum": 0, "maximum": 10000, "description": "wait: milliseconds."}
      }, "required": ["action"]}},
      "screen": {"type": "object", "properties": {"width": {"type": "integer"}, "height": {"type": "integer"}}, "required": ["width", "height"],
        "description": "The screen size you work in: screenshots come at this size and coordinates are read in it (default: the real size)."}""";
  private static final String RESULTS = """
      Returns the results as JSON text (cursor_position's x and y; the screen and real display sizes) and each screenshot as a \
      PNG image. Put a short wait before a screenshot that must show what an action changed.""";

  private ComputerTools() {}

  static List<ToolDef> all(LoopbackApi api) {
    return List.of(
        tool(api, "sandbox_desktop_actions", "Use a sandbox's desktop", """
            Drives the desktop of a sandbox created with a desktop (an X display) by coordinates, as a person would: \
            screenshot, mouse_move, click, drag, scroll, key, type, cursor_position, wait. """ + RESULTS,
            "\"sandboxId\": {\"type\": \"string\", \"description\": \"The sandbox id (sbx_…); it must have a desktop.\"}",
            c -> "/v1/sandboxes/" + enc(c.string("sandboxId")) + "/desktop/actions"),
        tool(api, "browser_computer_actions", "Use a browser's page by coordinates", """
            Drives a browser session's page by coordinates (CSS pixels of the viewport), as a person would: screenshot, \
            mouse_move, click, drag, scroll, key, type, cursor_position, wait. """ + RESULTS,
            "\"browserId\": {\"type\": \"string\", \"description\": \"The browser session id (brw_…), from browser_create.\"}",
            c -> "/v1/browsers/" + enc(c.string("browserId")) + "/actions"));
  }

  private static ToolDef tool(LoopbackApi api, String name, String title, String description, String idProperty, Function<ToolDef.Call, String> path) {
    String id = idProperty.substring(1, idProperty.indexOf('"', 1));
    String schema = "{\"type\": \"object\", \"properties\": {" + idProperty + ", " + ACTIONS + "}, \"required\": [\"" + id
        + "\", \"actions\"], \"additionalProperties\": false}";
    return new ToolDef(name, title, description, schema, false, false, c -> {
      String target = path.apply(c);
      JsonNode actions = c.args().path("actions");
      if (!actions.isArray() || actions.isEmpty()) {
        throw new LoopbackApi.Failure("actions is required: a non-empty array of actions, e.g. [{\"action\": \"screenshot\"}]");
      }
      ObjectNode body = c.copy(LoopbackApi.JSON.createObjectNode(), "actions", "screen");
      return answer(api.call(c.authorization(), "POST", target, body, CALL).json());
    });
  }

  /** The API's answer as text, with each screenshot's base64 PNG moved into an image of its own. */
  static McpSchema.CallToolResult answer(JsonNode json) {
    JsonNode summary = json.deepCopy();
    List<McpSchema.Content> images = new ArrayList<>();
    for (JsonNode r : summary.path("results")) {
      if (r.hasNonNull("data")) {
        images.add(new McpSchema.ImageContent(null, r.path("data").asString(), r.path("mediaType").asString("image/png")));
        ((ObjectNode) r).remove("data");
        ((ObjectNode) r).put("image", images.size());
      }
    }
    List<McpSchema.Content> content = new ArrayList<>();
    content.add(new McpSchema.TextContent(LoopbackApi.JSON.writeValueAsString(summary)));
    content.addAll(images);
    return McpSchema.CallToolResult.builder().content(content).build();
  }
}
