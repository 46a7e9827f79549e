package dev.warren.image;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * What an image's OCI config says its processes run with. {@code env} and {@code workingDir}
 * are applied to sandboxes made from the image (env as defaults a sandbox's own env overrides);
 * {@code user} applies to exec; {@code entrypoint}, {@code cmd} and {@code labels} are kept as metadata.
 */
public record ImageConfig(Map<String, String> env, String workingDir, String user, List<String> entrypoint, List<String> cmd,
    Map<String, String> labels) {
  public static final ImageConfig NONE = new ImageConfig(Map.of(), "", "", List.of(), List.of(), Map.of());

  public ImageConfig {
    env = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(env));
    Objects.requireNonNull(workingDir, "workingDir");
    Objects.requireNonNull(user, "user");
    entrypoint = List.copyOf(entrypoint);
    cmd = List.copyOf(cmd);
    labels = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(labels));
  }

  /** From an OCI image config (its {@code config} object); variables that are not {@code NAME=value} are dropped. */
  static ImageConfig ofOci(JsonNode imageConfig) {
    JsonNode c = imageConfig.path("config");
    Map<String, String> env = new LinkedHashMap<>();
    for (JsonNode e : c.path("Env")) {
      String kv = e.asString("");
      int eq = kv.indexOf('=');
      if (eq > 0 && kv.substring(0, eq).matches("[A-Za-z_][A-Za-z0-9_]*") && !kv.startsWith("WARREN_")) {
        env.put(kv.substring(0, eq), kv.substring(eq + 1));
      }
    }
    Map<String, String> labels = new LinkedHashMap<>();
    c.path("Labels").properties().forEach(p -> labels.put(p.getKey(), p.getValue().asString("")));
    return new ImageConfig(env, c.path("WorkingDir").asString(""), c.path("User").asString(""), strings(c.path("Entrypoint")),
        strings(c.path("Cmd")), labels);
  }

  /** From an OCI image config as JSON text. */
  public static ImageConfig ofOciBlob(String json) {
    return ofOci(ImageArchive.JSON.readTree(json));
  }

  private static List<String> strings(JsonNode a) {
    List<String> out = new ArrayList<>();
    a.forEach(n -> out.add(n.asString("")));
    return out;
  }

  ObjectNode json() {
    ObjectNode n = ImageArchive.JSON.createObjectNode();
    ObjectNode e = n.putObject("env");
    env.forEach(e::put);
    n.put("workingDir", workingDir);
    n.put("user", user);
    var entrypointArray = n.putArray("entrypoint");
    entrypoint.forEach(entrypointArray::add);
    var cmdArray = n.putArray("cmd");
    cmd.forEach(cmdArray::add);
    ObjectNode l = n.putObject("labels");
    labels.forEach(l::put);
    return n;
  }

  static ImageConfig parse(String json) {
    JsonNode n = ImageArchive.JSON.readTree(json);
    Map<String, String> env = new LinkedHashMap<>();
    n.path("env").properties().forEach(p -> env.put(p.getKey(), p.getValue().asString("")));
    Map<String, String> labels = new LinkedHashMap<>();
    n.path("labels").properties().forEach(p -> labels.put(p.getKey(), p.getValue().asString("")));
    return new ImageConfig(env, n.path("workingDir").asString(""), n.path("user").asString(""), strings(n.path("entrypoint")),
        strings(n.path("cmd")), labels);
  }
}
