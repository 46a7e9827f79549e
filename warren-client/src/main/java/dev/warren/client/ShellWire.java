package dev.warren.client;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.OptionalLong;

/** The JSON shapes of shell sessions and their commands (docs/api.md, "Shell sessions"). */
final class ShellWire {

  private ShellWire() {}

  static Map<String, Object> spec(SessionSpec spec) {
    var body = new LinkedHashMap<String, Object>();
    if (!spec.env().isEmpty()) body.put("env", spec.env());
    spec.cwd().ifPresent(c -> body.put("cwd", c));
    return body;
  }

  /**
   * A submit body. {@code inlineStdin} is false when the input goes through the raw stdin call
   * instead; then standard input is kept open for it.
   */
  static Map<String, Object> submit(CommandRequest request, Duration wait, boolean inlineStdin) {
    var body = new LinkedHashMap<String, Object>();
    body.put("command", request.command());
    if (wait.isZero()) {
      body.put("async", true);
    } else {
      body.put("waitSeconds", seconds(wait));
    }
    request.timeout().ifPresent(t -> body.put("timeoutSeconds", seconds(t)));
    if (inlineStdin) {
      request.stdin().ifPresent(b -> body.put("stdin", new String(b, StandardCharsets.UTF_8)));
    }
    if (request.keepStdinOpen() || (!inlineStdin && request.stdin().isPresent())) body.put("keepStdinOpen", true);
    return body;
  }

  /** A duration as JSON seconds with millisecond precision, e.g. {@code 0.25}. */
  static BigDecimal seconds(Duration d) {
    BigDecimal s = BigDecimal.valueOf(d.toMillis(), 3).stripTrailingZeros();
    return s.scale() < 0 ? s.setScale(0) : s;
  }

  /** A duration as a query value in seconds, e.g. {@code 0.25} or {@code 60}. */
  static String secondsQuery(Duration d) {
    return seconds(d).toPlainString();
  }

  static SessionInfo session(Object json) {
    var f = JsonFields.of(json, "session");
    return new SessionInfo(f.string("id"), f.string("sandboxId"), f.longValue("generation"),
        SessionState.fromWire(f.string("state")), f.optString("stateReason"),
        f.optLong("pid").map(OptionalLong::of).orElse(OptionalLong.empty()), f.stringMap("env"), f.optString("cwd"),
        f.instant("createdAt"), f.optInstant("endedAt"));
  }

  static List<SessionInfo> sessions(Object json) {
    return JsonFields.of(json, "answer").list("sessions").stream().map(ShellWire::session).toList();
  }

  static CommandInfo commandInfo(Object json) {
    var f = JsonFields.of(json, "command");
    return new CommandInfo(f.string("id"), f.string("sessionId"), f.string("sandboxId"), f.longValue("seq"),
        f.string("command"), CommandState.fromWire(f.string("state")),
        f.optInt("exitCode").map(OptionalInt::of).orElse(OptionalInt.empty()),
        f.instant("submittedAt"), f.optInstant("startedAt"), f.optInstant("endedAt"), f.optMillis("durationMs"),
        f.bool("stdin", false),
        f.optDouble("timeoutSeconds").map(s -> Duration.ofMillis(Math.round(s * 1000))),
        f.bool("timedOut", false), f.optString("signal").flatMap(Signal::fromWire), f.bool("shellRestarted", false),
        f.optString("reason"), f.optLong("stdoutBytes").orElse(0L), f.optLong("stderrBytes").orElse(0L));
  }

  /** A job with its inline output; a job answered without output has empty strings. */
  static CommandResult commandResult(Object json) {
    var f = JsonFields.of(json, "command");
    return new CommandResult(commandInfo(json), f.optString("stdout").orElse(""), f.optString("stderr").orElse(""),
        f.bool("stdoutTruncated", false), f.bool("stderrTruncated", false));
  }

  static List<CommandInfo> commands(Object json) {
    return JsonFields.of(json, "answer").list("commands").stream().map(ShellWire::commandInfo).toList();
  }
}
