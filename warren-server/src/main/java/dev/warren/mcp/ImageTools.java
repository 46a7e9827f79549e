package dev.warren.mcp;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The image tools: each one call of {@code /v1/images} (docs/api.md, "Images"). Pulls take no
 * credentials here: a secret typed into a model's context is one it may repeat; a registry that
 * wants them is the operator's {@code WARREN_REGISTRY_AUTH}.
 */
final class ImageTools {
  private static final Duration CALL = Duration.ofSeconds(60);
  /** As long as an MCP request may take; a pull still at work then goes on, and image_list shows it once stored. */
  private static final Duration PULL = Duration.ofMinutes(10);
  private static final List<String> SHOWN = List.of("name", "kind", "description", "built", "digest", "sizeBytes", "createdAt", "source", "usedBy");
  private static final String NAME = "\"name\": {\"type\": \"string\", \"description\": \"The image as name[:tag] (tag 'latest' when left out), "
      + "e.g. 'python:3.12' or 'team/tools:1'.\"}";

  private ImageTools() {}

  static List<ToolDef> all(LoopbackApi api) {
    return List.of(
        new ToolDef("image_list", "List images", """
            Lists the images a sandbox can be made from (sandbox_create's image): the built-in ones ('base', 'browser') and the \
            user images imported or pulled into this server, with their size, where they came from and the sandboxes made from them.""", """
            {"type": "object", "properties": {}, "additionalProperties": false}""", true, false, c -> {
          ObjectNode out = LoopbackApi.JSON.createObjectNode();
          ArrayNode list = out.putArray("images");
          for (JsonNode i : api.call(c.authorization(), "GET", "/v1/images", null, CALL).json().path("images")) {
            list.add(SandboxTools.pick(i, SHOWN));
          }
          return ToolDef.json(out);
        }),
        new ToolDef("image_pull", "Pull an image", """
            Pulls an image from an OCI registry (Docker Hub when the reference names no registry, or the server's mirror) into \
            this server as name, so that sandbox_create can use it: e.g. reference 'python:3.12-slim'. Takes a while for big images; \
            a registry that wants credentials needs them set by the operator.""", """
            {"type": "object", "properties": {
              "reference": {"type": "string", "description": "What to pull: [registry/]repository[:tag|@sha256:digest], e.g. 'docker.io/library/python:3.12'."},
              %s
            }, "required": ["reference"], "additionalProperties": false}""".formatted(NAME.replace("The image as", "What to store it as (default: the "
            + "reference's repository and tag):")), false, false, c -> {
          c.progress(0, null, "pulling " + c.string("reference"));
          JsonNode image = api.call(c.authorization(), "POST", "/v1/images/pull", c.copy(LoopbackApi.JSON.createObjectNode(), "reference", "name"),
              PULL).json();
          return ToolDef.json(SandboxTools.pick(image, SHOWN));
        }),
        new ToolDef("image_delete", "Delete an image", """
            Deletes a user image's tag; its files go once no tag and no sandbox needs them. Refused while a sandbox made from it \
            exists (the error names them); built-in images cannot be deleted.""", """
            {"type": "object", "properties": {%s}, "required": ["name"], "additionalProperties": false}""".formatted(NAME), false, true, c -> {
          api.call(c.authorization(), "DELETE", "/v1/images/" + path(c.string("name")), null, CALL);
          return ToolDef.json(LoopbackApi.JSON.createObjectNode().put("deleted", c.string("name")));
        }));
  }

  /** An image name as the end of a path: its slashes kept, each part encoded. */
  private static String path(String name) {
    if (Arrays.stream(name.split("/", -1)).anyMatch(p -> p.isEmpty() || p.equals(".") || p.equals(".."))) {
      throw new LoopbackApi.Failure("name: '" + name + "' is not an image name (name[:tag], parts separated by single '/')");
    }
    return Arrays.stream(name.split("/", -1)).map(SandboxTools::enc).collect(Collectors.joining("/"));
  }
}
