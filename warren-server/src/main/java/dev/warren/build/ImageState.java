package dev.warren.build;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * What a build knows of the image so far, as its OCI config says it: the process settings
 * (environment, working directory, user, entrypoint, command, labels, shell) and the layers'
 * diff_ids with a line of history each. Written to and read from the config JSON, which is the
 * image's digest: the same settings and layers give the same bytes. Not thread-safe: one build's thread.
 */
final class ImageState {
  private static final JsonMapper JSON = JsonMapper.builder().build();
  static final List<String> DEFAULT_SHELL = List.of("/bin/sh", "-c");

  final Map<String, String> env = new LinkedHashMap<>();
  String workingDir = "";
  String user = "";
  List<String> entrypoint = List.of();
  List<String> cmd = List.of();
  final Map<String, String> labels = new LinkedHashMap<>();
  List<String> shell = DEFAULT_SHELL;
  final List<String> diffIds = new ArrayList<>();
  final List<History> history = new ArrayList<>();

  /** A line of the image's history: the instruction, and whether it added no layer. */
  record History(String createdBy, boolean emptyLayer) {}

  ImageState copy() {
    ImageState s = new ImageState();
    s.env.putAll(env);
    s.workingDir = workingDir;
    s.user = user;
    s.entrypoint = entrypoint;
    s.cmd = cmd;
    s.labels.putAll(labels);
    s.shell = shell;
    s.diffIds.addAll(diffIds);
    s.history.addAll(history);
    return s;
  }

  /** From an OCI image config (what an import stored, or an earlier build step wrote). */
  static ImageState parse(String blob) {
    JsonNode n = JSON.readTree(blob);
    JsonNode c = n.path("config");
    ImageState s = new ImageState();
    for (JsonNode e : c.path("Env")) {
      String kv = e.asString("");
      int eq = kv.indexOf('=');
      if (eq > 0) {
        s.env.put(kv.substring(0, eq), kv.substring(eq + 1));
      }
    }
    s.workingDir = c.path("WorkingDir").asString("");
    s.user = c.path("User").asString("");
    s.entrypoint = strings(c.path("Entrypoint"));
    s.cmd = strings(c.path("Cmd"));
    c.path("Labels").properties().forEach(p -> s.labels.put(p.getKey(), p.getValue().asString("")));
    if (c.path("Shell").isArray() && !c.path("Shell").isEmpty()) {
      s.shell = strings(c.path("Shell"));
    }
    s.diffIds.addAll(strings(n.path("rootfs").path("diff_ids")));
    for (JsonNode h : n.path("history")) {
      s.history.add(new History(h.path("created_by").asString(""), h.path("empty_layer").asBoolean(false)));
    }
    return s;
  }

  private static List<String> strings(JsonNode a) {
    List<String> out = new ArrayList<>();
    a.forEach(x -> out.add(x.asString("")));
    return out;
  }

  /** The OCI image config; no timestamps, so that a rebuild of the same steps gives the same digest. */
  String blob() {
    ObjectNode n = JSON.createObjectNode();
    n.put("architecture", "amd64");
    n.put("os", "linux");
    ObjectNode c = n.putObject("config");
    ArrayNode e = c.putArray("Env");
    env.forEach((k, v) -> e.add(k + "=" + v));
    if (!workingDir.isEmpty()) {
      c.put("WorkingDir", workingDir);
    }
    if (!user.isEmpty()) {
      c.put("User", user);
    }
    if (!entrypoint.isEmpty()) {
      ArrayNode a = c.putArray("Entrypoint");
      entrypoint.forEach(a::add);
    }
    if (!cmd.isEmpty()) {
      ArrayNode a = c.putArray("Cmd");
      cmd.forEach(a::add);
    }
    if (!labels.isEmpty()) {
      ObjectNode l = c.putObject("Labels");
      labels.forEach(l::put);
    }
    if (!shell.equals(DEFAULT_SHELL)) {
      ArrayNode a = c.putArray("Shell");
      shell.forEach(a::add);
    }
    ObjectNode r = n.putObject("rootfs");
    r.put("type", "layers");
    ArrayNode d = r.putArray("diff_ids");
    diffIds.forEach(d::add);
    ArrayNode h = n.putArray("history");
    for (History x : history) {
      ObjectNode o = h.addObject().put("created_by", x.createdBy());
      if (x.emptyLayer()) {
        o.put("empty_layer", true);
      }
    }
    return n.toString();
  }

  static String digest(String blob) {
    return "sha256:" + java.util.HexFormat.of().formatHex(BuildContext.sha256().digest(blob.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
  }
}
