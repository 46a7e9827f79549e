package dev.warren.mcp;

import java.net.URLEncoder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/** The sandbox, file and shell-session tools: each one or two calls of the HTTP API (docs/api.md). */
final class SandboxTools {
  private static final Duration CALL = Duration.ofSeconds(60);
  private static final String SBX = "\"sandboxId\": {\"type\": \"string\", \"description\": \"The sandbox id (sbx_…), from sandbox_create or sandbox_list.\"}";

  private SandboxTools() {}

  static List<ToolDef> all(LoopbackApi api) {
    return List.of(
        new ToolDef("sandbox_create", "Create a sandbox", """
            Creates an isolated Linux sandbox (a container with its own filesystem, network namespace and limits) and \
            returns its id once it runs. It has no network access unless allowEgress lists the hosts it may reach \
            through Warren's egress proxy. Delete it with sandbox_delete when done.""", """
            {"type": "object", "properties": {
              "image": {"type": "string", "description": "Golden image name; default 'base' (Debian with bash, coreutils, python3)."},
              "env": {"type": "object", "additionalProperties": {"type": "string"}, "description": "Environment variables of every process in it."},
              "labels": {"type": "object", "additionalProperties": {"type": "string"}, "description": "Labels to find it by (sandbox_list label=k=v)."},
              "memoryMb": {"type": "integer", "minimum": 16, "description": "Memory limit in MiB (default 512)."},
              "cpus": {"type": "number", "exclusiveMinimum": 0, "description": "CPU limit in cores (default 1)."},
              "pids": {"type": "integer", "minimum": 1, "description": "Process limit (default 512)."},
              "allowEgress": {"type": "array", "items": {"type": "string"}, "description": "Hosts it may reach, as host, host:port or *.domain (e.g. 'pypi.org:443', '*.github.com'). Default: none."},
              "reach": {"type": "array", "items": {"type": "string"}, "description": "Other sandboxes it may connect to through the proxy, as 'sbx_…' (every port) or 'sbx_…:3000'; it opens http://sbx_…:3000/. Default: none."},
              "idleTimeoutSeconds": {"type": "integer", "minimum": 0, "description": "Stopped after this long without API activity (0 = never; default 1800)."},
              "desktop": {"type": "object", "properties": {"width": {"type": "integer"}, "height": {"type": "integer"}}, "description": "A virtual display of this size, to drive with sandbox_desktop_actions (needs an image with Xvfb and x11vnc, e.g. 'browser')."},
              "snapshot": {"type": "string", "description": "Start from the files of this snapshot (id or name, from sandbox_snapshot) instead of the image's alone."},
              "volumes": {"type": "array", "items": {"type": "object", "properties": {"name": {"type": "string"}, "path": {"type": "string"}, "readOnly": {"type": "boolean"}}, "required": ["name", "path"]}, "description": "Volumes (volume_create) to mount, as {name, path, readOnly}; one sandbox may mount a volume read-write at a time."},
              "runtime": {"type": "string", "description": "What it runs on: 'crun' (a container) or 'microvm' (a virtual machine with its own kernel); default: the server's."}
            }, "additionalProperties": false}""", false, false, c -> {
          ObjectNode body = c.copy(LoopbackApi.JSON.createObjectNode(), "image", "env", "labels", "idleTimeoutSeconds", "desktop", "snapshot", "volumes",
              "runtime");
          ObjectNode limits = c.copy(LoopbackApi.JSON.createObjectNode(), "memoryMb", "cpus", "pids");
          if (!limits.isEmpty()) {
            body.set("limits", limits);
          }
          ObjectNode egress = c.copy(LoopbackApi.JSON.createObjectNode(), "reach");
          if (c.args().has("allowEgress")) {
            egress.set("allow", c.args().get("allowEgress"));
          }
          if (!egress.isEmpty()) {
            body.set("egress", egress);
          }
          return ToolDef.json(brief(api.call(c.authorization(), "POST", "/v1/sandboxes", body, CALL).json()));
        }),
        new ToolDef("sandbox_list", "List sandboxes", "Lists sandboxes with their state, image, labels and creation time.", """
            {"type": "object", "properties": {
              "label": {"type": "string", "description": "Only those with this label, as key=value."},
              "state": {"type": "string", "enum": ["creating", "starting", "running", "stopping", "stopped", "failed"], "description": "Only those in this state."}
            }, "additionalProperties": false}""", true, false, c -> {
          String q = c.optString("label").map(l -> "label=" + enc(l)).orElse("") + c.optString("state").map(s -> "&state=" + enc(s)).orElse("");
          ObjectNode out = LoopbackApi.JSON.createObjectNode();
          var arr = out.putArray("sandboxes");
          api.call(c.authorization(), "GET", "/v1/sandboxes?" + q, null, CALL).json().path("sandboxes").forEach(s -> arr.add(brief(s)));
          return ToolDef.json(out);
        }),
        new ToolDef("sandbox_exec", "Run a command in a sandbox", """
            Runs a shell command line (sh -c) in a running sandbox and waits for it: returns exitCode, stdout, stderr and \
            durationMs. Each call is a fresh shell; for state that persists between commands (cd, variables) use \
            session_create and session_run.""", """
            {"type": "object", "properties": {
              %s,
              "command": {"type": "string", "description": "Shell command line, e.g. 'ls -la /tmp && python3 -V'."},
              "cwd": {"type": "string", "description": "Working directory (absolute path)."},
              "env": {"type": "object", "additionalProperties": {"type": "string"}, "description": "Extra environment variables."},
              "stdin": {"type": "string", "description": "Text given to the command on standard input."},
              "timeoutSeconds": {"type": "integer", "minimum": 1, "description": "Killed after this long (default 60)."}
            }, "required": ["sandboxId", "command"], "additionalProperties": false}""".formatted(SBX), false, false, c -> {
          ObjectNode body = c.copy(LoopbackApi.JSON.createObjectNode(), "command", "cwd", "env", "stdin", "timeoutSeconds");
          Duration t = Duration.ofSeconds(c.args().path("timeoutSeconds").asLong(60));
          return ToolDef.json(api.call(c.authorization(), "POST", "/v1/sandboxes/" + enc(c.string("sandboxId")) + "/exec", body, t).json());
        }),
        new ToolDef("sandbox_ports", "List a sandbox's listening ports", """
            Lists the TCP ports something listens on in a running sandbox (a dev server an agent started, say), with the             address it listens on and the path that opens it through Warren. Entries with warren=true are Warren's own             (DevTools, VNC) and never open as previews. To give a person a link, use sandbox_preview_url.""", """
            {"type": "object", "properties": {%s}, "required": ["sandboxId"], "additionalProperties": false}""".formatted(SBX), true, false,
            c -> ToolDef.json(api.call(c.authorization(), "GET", "/v1/sandboxes/" + enc(c.string("sandboxId")) + "/ports", null, CALL).json())),
        new ToolDef("sandbox_preview_url", "Make a link to a sandbox's port", """
            Mints a URL that opens a web app listening on a port of a sandbox (HTTP and WebSocket), for a person or             another program: with access 'public' anyone holding the link opens it until it expires; with 'token'             the caller must also send an API token. Returns url and expiresAt.""", """
            {"type": "object", "properties": {
              %s,
              "port": {"type": "integer", "minimum": 1, "maximum": 65535, "description": "The port the app listens on, e.g. 3000."},
              "ttlSeconds": {"type": "integer", "minimum": 1, "maximum": 604800, "description": "How long the link opens (default 3600)."},
              "access": {"type": "string", "enum": ["public", "token"], "description": "Who may open it (default 'token')."}
            }, "required": ["sandboxId", "port"], "additionalProperties": false}""".formatted(SBX), false, false, c -> {
          ObjectNode body = c.copy(LoopbackApi.JSON.createObjectNode(), "ttlSeconds", "access");
          JsonNode u = api.call(c.authorization(), "POST", "/v1/sandboxes/" + enc(c.string("sandboxId")) + "/ports/" + c.args().path("port").asInt()
              + "/url", body, CALL).json();
          return ToolDef.json(pick(u, List.of("id", "sandboxId", "port", "access", "expiresAt", "url", "hostUrl")));
        }),
        new ToolDef("sandbox_delete", "Delete a sandbox", "Deletes a sandbox and everything in it (its files, processes and sessions).", """
            {"type": "object", "properties": {%s}, "required": ["sandboxId"], "additionalProperties": false}""".formatted(SBX), false, true, c -> {
          api.call(c.authorization(), "DELETE", "/v1/sandboxes/" + enc(c.string("sandboxId")), null, CALL);
          return ToolDef.text("deleted " + c.string("sandboxId"));
        }),
        new ToolDef("sandbox_pause", "Pause a sandbox", """
            Freezes every process of a running sandbox: its memory, files, sessions and address are kept and it uses no CPU. \
            Any later sandbox_exec, file or session call resumes it first; sandbox_resume does so explicitly.""", """
            {"type": "object", "properties": {%s}, "required": ["sandboxId"], "additionalProperties": false}""".formatted(SBX), false, false,
            c -> ToolDef.json(brief(api.call(c.authorization(), "POST", "/v1/sandboxes/" + enc(c.string("sandboxId")) + "/pause", null, CALL)
                .json()))),
        new ToolDef("sandbox_resume", "Resume a sandbox", "Thaws a paused sandbox: its processes go on where they were. A running one is left as it is.", """
            {"type": "object", "properties": {%s}, "required": ["sandboxId"], "additionalProperties": false}""".formatted(SBX), false, false,
            c -> ToolDef.json(brief(api.call(c.authorization(), "POST", "/v1/sandboxes/" + enc(c.string("sandboxId")) + "/resume", null, CALL)
                .json()))),
        new ToolDef("sandbox_snapshot", "Snapshot a sandbox's files", """
            Saves the files of a running sandbox (everything it changed over its image) as a read-only snapshot; new sandboxes \
            start from it with sandbox_create snapshot=<id or name>. Processes and memory are not saved.""", """
            {"type": "object", "properties": {%s, "name": {"type": "string", "description": "A unique name to find it by (letters, digits, '.', '_', '-')."}},
             "required": ["sandboxId"], "additionalProperties": false}""".formatted(SBX), false, false,
            c -> ToolDef.json(api.call(c.authorization(), "POST", "/v1/sandboxes/" + enc(c.string("sandboxId")) + "/snapshots",
                c.copy(LoopbackApi.JSON.createObjectNode(), "name"), CALL).json())),
        new ToolDef("sandbox_fork", "Fork a sandbox", """
            Makes count new sandboxes (1-50) that start with exactly the files this one has now, to try several approaches \
            from the same point; each then changes independently. Running processes are not copied. Delete each when done.""", """
            {"type": "object", "properties": {%s, "count": {"type": "integer", "minimum": 1, "maximum": 50, "description": "How many sandboxes to make."},
             "labels": {"type": "object", "additionalProperties": {"type": "string"}, "description": "Labels added to each new sandbox."}},
             "required": ["sandboxId", "count"], "additionalProperties": false}""".formatted(SBX), false, false, c -> {
          JsonNode fork = api.call(c.authorization(), "POST", "/v1/sandboxes/" + enc(c.string("sandboxId")) + "/fork",
              c.copy(LoopbackApi.JSON.createObjectNode(), "count", "labels"), CALL).json();
          ObjectNode out = LoopbackApi.JSON.createObjectNode();
          out.put("snapshot", fork.path("snapshot").path("id").asString());
          var arr = out.putArray("sandboxes");
          fork.path("sandboxes").forEach(s -> arr.add(brief(s)));
          return ToolDef.json(out);
        }),
        new ToolDef("file_read", "Read a file", "Reads a file in a sandbox. Text comes back as is; other bytes as base64 (said so).", """
            {"type": "object", "properties": {%s, "path": {"type": "string", "description": "Absolute path in the sandbox."}},
             "required": ["sandboxId", "path"], "additionalProperties": false}""".formatted(SBX), true, false, c -> {
          byte[] b = api.call(c.authorization(), "GET", files(c, ""), null, CALL).body();
          try {
            return ToolDef.text(StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(b)).toString());
          } catch (CharacterCodingException e) {
            return ToolDef.text("(binary, " + b.length + " bytes, base64) " + Base64.getEncoder().encodeToString(b));
          }
        }),
        new ToolDef("file_write", "Write a file", "Writes a whole text file in a sandbox, creating its directories; replaces what was there.", """
            {"type": "object", "properties": {%s,
              "path": {"type": "string", "description": "Absolute path in the sandbox."},
              "content": {"type": "string", "description": "The file's whole content (UTF-8)."},
              "mode": {"type": "string", "pattern": "^0?[0-7]{3}$", "description": "Permission bits in octal, e.g. '0755' for a script (default 0644)."}
            }, "required": ["sandboxId", "path", "content"], "additionalProperties": false}""".formatted(SBX), false, false, c -> {
          String mode = c.optString("mode").map(m -> "&mode=" + enc(m)).orElse("");
          byte[] content = c.args().path("content").asString().getBytes(StandardCharsets.UTF_8);
          api.send(c.authorization(), "PUT", files(c, "") + mode, content, "application/octet-stream", CALL);
          return ToolDef.text("wrote " + content.length + " bytes to " + c.string("path"));
        }),
        new ToolDef("file_list", "List a directory", "Lists a directory in a sandbox: name, type (file, directory, symlink), size, mode and modification time.", """
            {"type": "object", "properties": {%s, "path": {"type": "string", "description": "Absolute path of the directory."}},
             "required": ["sandboxId", "path"], "additionalProperties": false}""".formatted(SBX), true, false,
            c -> ToolDef.json(api.call(c.authorization(), "GET", files(c, "/list"), null, CALL).json())),
        new ToolDef("session_create", "Start a shell session", """
            Starts a persistent bash session in a sandbox: commands run with session_run share its state (cd, exported \
            and plain variables, functions, aliases). Returns the session id.""", """
            {"type": "object", "properties": {%s,
              "cwd": {"type": "string", "description": "Starting directory (absolute path)."},
              "env": {"type": "object", "additionalProperties": {"type": "string"}, "description": "Variables exported in the session."}
            }, "required": ["sandboxId"], "additionalProperties": false}""".formatted(SBX), false, false, c -> {
          JsonNode s = api.call(c.authorization(), "POST", "/v1/sandboxes/" + enc(c.string("sandboxId")) + "/sessions",
              c.copy(LoopbackApi.JSON.createObjectNode(), "cwd", "env"), CALL).json();
          return ToolDef.json(LoopbackApi.JSON.createObjectNode().put("sessionId", s.path("id").asString()).put("state", s.path("state").asString())
              .put("cwd", s.path("cwd").asString()));
        }),
        new ToolDef("session_run", "Run a command in a session", """
            Runs a script in a shell session and waits up to waitSeconds for it. Returns the command's id, state \
            (finished, or still queued/running), exitCode, and the first MiB of stdout and stderr. A command still \
            running keeps going: read its output with session_output, from the offset you have.""", """
            {"type": "object", "properties": {%s,
              "sessionId": {"type": "string", "description": "The session id (ses_…), from session_create."},
              "command": {"type": "string", "description": "A shell script, run in the session's bash (multi-line welcome)."},
              "waitSeconds": {"type": "integer", "minimum": 0, "maximum": 300, "description": "How long to wait for it to end (default 60)."},
              "timeoutSeconds": {"type": "integer", "minimum": 1, "description": "Stopped (and its processes killed) after this long."}
            }, "required": ["sandboxId", "sessionId", "command"], "additionalProperties": false}""".formatted(SBX), false, false, c -> {
          ObjectNode body = c.copy(LoopbackApi.JSON.createObjectNode(), "command", "waitSeconds", "timeoutSeconds");
          Duration wait = Duration.ofSeconds(c.args().path("waitSeconds").asLong(60));
          JsonNode job = api.call(c.authorization(), "POST", session(c) + "/commands", body, wait).json();
          return ToolDef.json(job);
        }),
        new ToolDef("session_output", "Read a command's output", """
            Reads a session command's stdout or stderr from a byte offset (0 = the start), up to maxBytes. Returns the \
            text, nextOffset (pass it back to read on), and the command's state; call again while it is running.""", """
            {"type": "object", "properties": {%s,
              "sessionId": {"type": "string", "description": "The session id (ses_…)."},
              "commandId": {"type": "string", "description": "The command id (cmd_…), from session_run."},
              "stream": {"type": "string", "enum": ["stdout", "stderr"], "description": "Which stream (default stdout)."},
              "offset": {"type": "integer", "minimum": 0, "description": "Byte offset to read from (default 0)."},
              "maxBytes": {"type": "integer", "minimum": 1, "maximum": 1048576, "description": "At most this many bytes (default 65536)."}
            }, "required": ["sandboxId", "sessionId", "commandId"], "additionalProperties": false}""".formatted(SBX), true, false, c -> {
          String q = "?stream=" + enc(c.optString("stream").orElse("stdout")) + "&offset=" + c.args().path("offset").asLong(0) + "&limit="
              + c.args().path("maxBytes").asLong(65536);
          LoopbackApi.Answer a = api.call(c.authorization(), "GET", session(c) + "/commands/" + enc(c.string("commandId")) + "/logs" + q, null, CALL);
          return ToolDef.json(LoopbackApi.JSON.createObjectNode().put("text", new String(a.body(), StandardCharsets.UTF_8))
              .put("offset", Long.parseLong(a.header("X-Warren-Offset"))).put("nextOffset", Long.parseLong(a.header("X-Warren-Next-Offset")))
              .put("state", a.header("X-Warren-Command-State")));
        }));
  }

  /** What a model needs of a sandbox. */
  static ObjectNode brief(JsonNode s) {
    return pick(s, List.of("id", "state", "stateReason", "image", "labels", "limits", "egress", "createdAt", "browserId", "desktop", "volumes", "runtime", "accel"));
  }

  /** The {@code fields} of {@code answer} that it has. */
  static ObjectNode pick(JsonNode answer, List<String> fields) {
    ObjectNode o = LoopbackApi.JSON.createObjectNode();
    for (String f : fields) {
      if (answer.has(f)) {
        o.set(f, answer.get(f));
      }
    }
    return o;
  }

  private static String files(ToolDef.Call c, String suffix) {
    return "/v1/sandboxes/" + enc(c.string("sandboxId")) + "/files" + suffix + "?path=" + enc(c.string("path"));
  }

  private static String session(ToolDef.Call c) {
    return "/v1/sandboxes/" + enc(c.string("sandboxId")) + "/sessions/" + enc(c.string("sessionId"));
  }

  static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }
}
