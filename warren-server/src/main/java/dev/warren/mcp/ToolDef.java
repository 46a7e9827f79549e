package dev.warren.mcp;

import io.modelcontextprotocol.server.McpServerFeatures;
import io.modelcontextprotocol.server.McpSyncServerExchange;
import io.modelcontextprotocol.spec.McpSchema;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * One MCP tool: its name, description and input schema (JSON Schema, written out so a model reads
 * what each field means), and what a call does. A {@link LoopbackApi.Failure} or bad argument
 * becomes a tool error carrying the API's detail, not a protocol error.
 */
record ToolDef(String name, String title, String description, String schema, boolean readOnly, boolean destructive, Handler handler) {

  /** What a call does with its arguments. */
  interface Handler {
    McpSchema.CallToolResult call(Call call);
  }

  /** A call in progress: the arguments, the caller's Authorization header, and a way to report progress. */
  record Call(JsonNode args, String authorization, McpSyncServerExchange exchange, Optional<Object> progressToken) {
    String string(String name) {
      JsonNode v = args.path(name);
      if (!v.isString() || v.asString().isBlank()) {
        throw new LoopbackApi.Failure(name + " is required (a string)");
      }
      return v.asString();
    }

    Optional<String> optString(String name) {
      return args.hasNonNull(name) ? Optional.of(args.path(name).asString()) : Optional.empty();
    }

    /** Copies the named arguments that are present into {@code to}, unchanged (the API validates them). */
    ObjectNode copy(ObjectNode to, String... names) {
      for (String n : names) {
        if (args.hasNonNull(n)) {
          to.set(n, args.get(n));
        }
      }
      return to;
    }

    void progress(double done, Double total, String message) {
      progressToken.ifPresent(t -> exchange.progressNotification(new McpSchema.ProgressNotification(t, done, total, message)));
    }
  }

  McpServerFeatures.SyncToolSpecification spec() {
    McpSchema.Tool tool = McpSchema.Tool.builder().name(name).title(title).description(description)
        .inputSchema(LoopbackApi.JSON.convertValue(LoopbackApi.JSON.readTree(schema), Map.class))
        .annotations(new McpSchema.ToolAnnotations(title, readOnly, destructive, null, null, null))
        .build();
    return McpServerFeatures.SyncToolSpecification.builder().tool(tool).callHandler((exchange, request) -> {
      String auth = String.valueOf(exchange.transportContext().get(McpEndpoint.AUTHORIZATION));
      Optional<Object> progress = Optional.ofNullable(request.meta()).map(m -> m.get("progressToken"));
      try {
        return handler.call(new Call(LoopbackApi.JSON.valueToTree(request.arguments() == null ? Map.of() : request.arguments()), auth, exchange,
            progress));
      } catch (LoopbackApi.Failure e) {
        return error(e.getMessage());
      }
    }).build();
  }

  static McpSchema.CallToolResult error(String message) {
    return McpSchema.CallToolResult.builder().isError(true).addTextContent(message).build();
  }

  /** A result as JSON text (what a model reads) and as structured content. */
  static McpSchema.CallToolResult json(JsonNode value) {
    return McpSchema.CallToolResult.builder().addTextContent(LoopbackApi.JSON.writeValueAsString(value)).build();
  }

  static McpSchema.CallToolResult text(String text) {
    return McpSchema.CallToolResult.builder().content(List.of(new McpSchema.TextContent(text))).build();
  }
}
