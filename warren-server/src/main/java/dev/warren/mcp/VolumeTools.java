package dev.warren.mcp;

import java.time.Duration;
import java.util.List;
import tools.jackson.databind.node.ObjectNode;

/** The volume tools: each one call of {@code /v1/volumes} (docs/api.md, "Volumes"). */
final class VolumeTools {
  private static final Duration CALL = Duration.ofSeconds(60);
  private static final String NAME = "\"name\": {\"type\": \"string\", \"description\": \"The volume's name: lower-case letters, digits, "
      + "'.', '_' or '-'.\"}";

  private VolumeTools() {}

  static List<ToolDef> all(LoopbackApi api) {
    return List.of(
        new ToolDef("volume_create", "Create a volume", """
            Creates an empty volume: a filesystem of sizeMb MiB that outlives sandboxes (a cache, a dataset, work handed from one \
            sandbox to the next). Mount it with sandbox_create's volumes; one sandbox may write it at a time, any number may read it.""",
            """
            {"type": "object", "properties": {%s,
              "sizeMb": {"type": "integer", "minimum": 16, "description": "Its size in MiB; writing past it fails with 'No space left on device'."}
            }, "required": ["name", "sizeMb"], "additionalProperties": false}""".formatted(NAME), false, false,
            c -> ToolDef.json(api.call(c.authorization(), "POST", "/v1/volumes", c.copy(LoopbackApi.JSON.createObjectNode(), "name", "sizeMb"),
                CALL).json())),
        new ToolDef("volume_list", "List volumes", "Lists volumes with their size, the bytes they use and the sandboxes that mount them.", """
            {"type": "object", "properties": {}, "additionalProperties": false}""", true, false,
            c -> ToolDef.json(api.call(c.authorization(), "GET", "/v1/volumes", null, CALL).json())),
        new ToolDef("volume_delete", "Delete a volume", """
            Deletes a volume and every file on it. Refused while a sandbox mounts it (delete those sandboxes first).""", """
            {"type": "object", "properties": {%s}, "required": ["name"], "additionalProperties": false}""".formatted(NAME), false, true, c -> {
          api.call(c.authorization(), "DELETE", "/v1/volumes/" + SandboxTools.enc(c.string("name")), null, CALL);
          ObjectNode out = LoopbackApi.JSON.createObjectNode().put("deleted", c.string("name"));
          return ToolDef.json(out);
        }));
  }
}
