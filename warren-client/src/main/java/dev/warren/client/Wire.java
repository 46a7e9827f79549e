package dev.warren.client;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.OptionalLong;

/** The JSON shapes of the v1 API (docs/api.md), to and from the SDK's records. */
final class Wire {

  private Wire() {}

  static Map<String, Object> spec(SandboxSpec spec) {
    var body = new LinkedHashMap<String, Object>();
    spec.image().ifPresent(image -> body.put("image", image));
    if (!spec.env().isEmpty()) body.put("env", spec.env());
    if (!spec.labels().isEmpty()) body.put("labels", spec.labels());
    var limits = new LinkedHashMap<String, Object>();
    spec.limits().memoryMb().ifPresent(v -> limits.put("memoryMb", v));
    spec.limits().pids().ifPresent(v -> limits.put("pids", v));
    spec.limits().cpus().ifPresent(v -> limits.put("cpus", v));
    spec.limits().diskMb().ifPresent(v -> limits.put("diskMb", v));
    spec.limits().diskInodes().ifPresent(v -> limits.put("diskInodes", v));
    if (!limits.isEmpty()) body.put("limits", limits);
    egress(spec.egress()).ifPresent(e -> body.put("egress", e));
    spec.idleTimeout().ifPresent(d -> body.put("idleTimeoutSeconds", d.toSeconds()));
    spec.snapshot().ifPresent(s -> body.put("snapshot", s));
    if (!spec.volumes().isEmpty()) {
      body.put("volumes", spec.volumes().stream().map(v -> {
        var m = new LinkedHashMap<String, Object>();
        m.put("name", v.name());
        m.put("path", v.path());
        m.put("readOnly", v.readOnly());
        return m;
      }).toList());
    }
    spec.idleAction().ifPresent(a -> body.put("idleAction", a.wire()));
    spec.pausedTimeout().ifPresent(d -> body.put("pausedTimeoutSeconds", d.toSeconds()));
    spec.runtime().ifPresent(r -> body.put("runtime", r));
    return body;
  }

  static SandboxInfo sandbox(Object json) {
    var f = JsonFields.of(json, "sandbox");
    var limits = f.optObject("limits").map(l -> new Limits(
        l.optInt("memoryMb").map(OptionalInt::of).orElse(OptionalInt.empty()),
        l.optInt("pids").map(OptionalInt::of).orElse(OptionalInt.empty()),
        l.optDouble("cpus").map(OptionalDouble::of).orElse(OptionalDouble.empty()),
        l.optInt("diskMb").map(OptionalInt::of).orElse(OptionalInt.empty()),
        l.optLong("diskInodes").map(OptionalLong::of).orElse(OptionalLong.empty())))
        .orElse(Limits.DEFAULT);
    var egress = egress(f);
    return new SandboxInfo(f.string("id"), SandboxState.fromWire(f.string("state")), f.optString("stateReason"),
        f.string("image"), f.optString("imageDigest"), f.longValue("generation"), f.optString("address"),
        f.stringMap("env"), f.stringMap("labels"), limits, egress,
        // 0 is how the server says "never stopped for being idle"
        f.optSeconds("idleTimeoutSeconds").filter(d -> !d.isZero()),
        f.instant("createdAt"),
        f.optInstant("startedAt"), f.optInstant("stoppedAt"), f.optInstant("lastActivityAt"),
        f.list("volumes").stream().map(v -> JsonFields.of(v, "volumes[]"))
            .map(v -> new VolumeMount(v.string("name"), v.string("path"), v.bool("readOnly", false))).toList(),
        f.bool("pooled", false), f.optString("runtime"), f.optString("accel"));
  }

  /** A policy's members as sandboxes and browsers take them; empty for {@link EgressPolicy#DENY_ALL}'s equal. */
  static Optional<Map<String, Object>> egress(EgressPolicy egress) {
    if (egress.allow().isEmpty() && egress.upstreamProxy().isEmpty() && egress.reach().isEmpty()) return Optional.empty();
    var policy = new LinkedHashMap<String, Object>();
    policy.put("allow", egress.allow());
    egress.upstreamProxy().ifPresent(p -> policy.put("upstreamProxy", p));
    if (!egress.reach().isEmpty()) policy.put("reach", egress.reach());
    return Optional.of(policy);
  }

  /** The {@code egress} member of a sandbox or browser answer; servers before reach leave it out. */
  static EgressPolicy egress(JsonFields answer) {
    return answer.optObject("egress")
        .map(e -> new EgressPolicy(e.stringList("allow"), e.optString("upstreamProxy"), e.stringList("reach")))
        .orElse(EgressPolicy.DENY_ALL);
  }

  static List<SandboxInfo> sandboxes(Object json) {
    return JsonFields.of(json, "answer").list("sandboxes").stream().map(Wire::sandbox).toList();
  }

  static Map<String, Object> exec(ExecRequest request) {
    var body = new LinkedHashMap<String, Object>();
    request.command().ifPresent(c -> body.put("command", c));
    if (!request.argv().isEmpty()) body.put("argv", request.argv());
    if (!request.env().isEmpty()) body.put("env", request.env());
    request.cwd().ifPresent(c -> body.put("cwd", c));
    request.stdin().ifPresent(s -> body.put("stdin", s));
    body.put("timeoutSeconds", request.timeoutSeconds());
    return body;
  }

  static ExecResult execResult(Object json) {
    var f = JsonFields.of(json, "exec");
    byte[] out = output(f, "stdout");
    byte[] err = output(f, "stderr");
    boolean truncated = f.bool("truncated", false);
    return new ExecResult(f.intValue("exitCode"), text(f, "stdout", out), text(f, "stderr", err),
        f.optMillis("durationMs").orElse(Duration.ZERO), f.bool("timedOut", false), truncated, out, err,
        f.bool("stdoutTruncated", truncated), f.bool("stderrTruncated", truncated), f.optLong("stdoutBytes").orElse((long) out.length),
        f.optLong("stderrBytes").orElse((long) err.length), f.bool("resumed", false));
  }

  /** A stream of an exec answer as bytes: base64 when {@code <stream>Encoding} says so, else the string's UTF-8. */
  private static byte[] output(JsonFields f, String stream) {
    String value = f.optString(stream).orElse("");
    String encoding = f.optString(stream + "Encoding").orElse("utf-8");
    if (encoding.equals("base64")) {
      try {
        return java.util.Base64.getDecoder().decode(value);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("exec." + stream + ": not base64 (" + e.getMessage() + ")");
      }
    }
    if (!encoding.equals("utf-8")) {
      throw new IllegalArgumentException("exec." + stream + "Encoding: '" + encoding + "' is neither utf-8 nor base64");
    }
    return value.getBytes(java.nio.charset.StandardCharsets.UTF_8);
  }

  private static String text(JsonFields f, String stream, byte[] bytes) {
    return f.optString(stream + "Encoding").orElse("utf-8").equals("base64")
        ? new String(bytes, java.nio.charset.StandardCharsets.UTF_8) : f.optString(stream).orElse("");
  }

  static List<FileEntry> fileEntries(Object json) {
    return JsonFields.of(json, "answer").list("entries").stream().map(item -> {
      var f = JsonFields.of(item, "entry");
      return new FileEntry(f.string("name"), fileType(f.string("type")), f.optLong("size").orElse(0L),
          octal(f.optString("mode").orElse("0")), f.instant("modifiedAt"));
    }).toList();
  }

  static List<EgressEvent> egressEvents(Object json) {
    return JsonFields.of(json, "answer").list("events").stream().map(item -> {
      var f = JsonFields.of(item, "event");
      return new EgressEvent(f.string("host"), f.intValue("port"), f.string("method"), f.bool("allowed", false),
          f.optString("reason"), f.bool("viaUpstream", false), f.optLong("bytesOut").orElse(0L),
          f.optLong("bytesIn").orElse(0L), f.instant("startedAt"), f.optMillis("durationMs").orElse(Duration.ZERO));
    }).toList();
  }

  static PreviewUrl previewUrl(Object json) {
    var f = JsonFields.of(json, "preview URL");
    return new PreviewUrl(f.string("id"), f.string("sandboxId"), f.intValue("port"),
        f.string("access").equals("public") ? PreviewUrl.Access.PUBLIC : PreviewUrl.Access.TOKEN, f.instant("createdAt"),
        f.instant("expiresAt"), f.optString("url"), f.optString("hostUrl"));
  }

  static List<PreviewUrl> previewUrls(Object json) {
    return JsonFields.of(json, "answer").list("urls").stream().map(Wire::previewUrl).toList();
  }

  static List<ListeningPort> listeningPorts(Object json) {
    return JsonFields.of(json, "answer").list("ports").stream().map(p -> {
      var f = JsonFields.of(p, "port");
      return new ListeningPort(f.intValue("port"), f.string("address"), f.string("family"), f.string("path"), f.bool("warren", false),
          f.optString("service"));
    }).toList();
  }

  private static FileEntry.Type fileType(String wire) {
    return switch (wire) {
      case "file" -> FileEntry.Type.FILE;
      case "directory" -> FileEntry.Type.DIRECTORY;
      case "symlink" -> FileEntry.Type.SYMLINK;
      default -> FileEntry.Type.OTHER;
    };
  }

  private static int octal(String mode) {
    try {
      return Integer.parseInt(mode, 8);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("entry.mode: expected an octal string, got " + mode);
    }
  }
}
