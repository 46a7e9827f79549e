package dev.warren.client;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** Turns a failed answer into the right {@link WarrenException} with a diagnosing message. */
final class Errors {

  private static final Set<String> PROBLEM_MEMBERS = Set.of("type", "title", "status", "detail", "field", "instance");

  private Errors() {}

  static WarrenException forAnswer(Call call, int status, String contentType, byte[] body, int attempts) {
    Problem problem = problem(status, contentType, body);
    boolean typed = !problem.type().equals("about:blank");
    var message = new StringBuilder(call.describe()).append(" failed with ").append(status)
        .append(' ').append(typed ? problem.typeName() : problem.title());
    problem.detail().or(() -> typed ? Optional.of(problem.title()) : Optional.empty())
        .ifPresent(d -> message.append(": ").append(d));
    problem.field().ifPresent(f -> message.append(" (field ").append(f).append(')'));
    if (attempts > 1) message.append(" after ").append(attempts).append(" attempts");
    String text = message.toString();
    String method = call.method();
    String path = call.pathAndQuery();
    return switch (status) {
      case 400 -> new InvalidInputException(text, method, path, problem, null);
      case 401, 403 -> new UnauthorizedException(text, method, path, problem, null);
      case 404 -> new NotFoundException(text, method, path, problem, null);
      case 409 -> new ConflictException(text, method, path, problem, null);
      case 429 -> new LimitExceededException(text, method, path, problem, null);
      case 502, 503, 504 -> new UnavailableException(text, method, path, problem, null);
      default -> new WarrenException(text, method, path, problem, null);
    };
  }

  static UnavailableException noAnswer(Call call, String target, Throwable cause, int attempts) {
    String reason = cause.getMessage() == null ? cause.getClass().getSimpleName()
        : cause.getClass().getSimpleName() + ": " + cause.getMessage();
    String text = call.describe() + " failed: no answer from " + target
        + (attempts > 1 ? " after " + attempts + " attempts" : "") + " (" + reason + ")";
    return new UnavailableException(text, call.method(), call.pathAndQuery(), null, cause);
  }

  static WarrenException badBody(Call call, int status, RuntimeException cause) {
    return new WarrenException(call.describe() + " answered " + status + " with a body this SDK cannot read: "
        + cause.getMessage(), call.method(), call.pathAndQuery(), null, cause);
  }

  /** The problem document, or one synthesized from the status and the body's first line. */
  static Problem problem(int status, String contentType, byte[] body) {
    if (contentType != null && contentType.contains("json") && body.length > 0) {
      try {
        var fields = JsonFields.of(Json.parse(body), "problem");
        var extensions = new LinkedHashMap<String, Object>();
        fields.members().forEach((k, v) -> {
          if (!PROBLEM_MEMBERS.contains(k) && v != null) extensions.put(k, v);
        });
        return new Problem(fields.optString("type").orElse("about:blank"),
            fields.optString("title").orElse(reason(status)),
            fields.optInt("status").orElse(status),
            fields.optString("detail"), fields.optString("field"), fields.optString("instance"), extensions);
      } catch (IllegalArgumentException notAProblem) {
        // fall through: report the raw text below
      }
    }
    return new Problem("about:blank", reason(status), status, firstLine(body), Optional.empty(), Optional.empty(),
        Map.of());
  }

  private static Optional<String> firstLine(byte[] body) {
    String text = new String(body, 0, Math.min(body.length, 512), StandardCharsets.UTF_8).strip();
    int newline = text.indexOf('\n');
    String line = (newline < 0 ? text : text.substring(0, newline)).strip();
    return line.isEmpty() ? Optional.empty() : Optional.of(line);
  }

  private static String reason(int status) {
    return switch (status) {
      case 400 -> "Bad Request";
      case 401 -> "Unauthorized";
      case 403 -> "Forbidden";
      case 404 -> "Not Found";
      case 409 -> "Conflict";
      case 413 -> "Content Too Large";
      case 429 -> "Too Many Requests";
      case 500 -> "Internal Server Error";
      case 502 -> "Bad Gateway";
      case 503 -> "Service Unavailable";
      case 504 -> "Gateway Timeout";
      default -> "HTTP " + status;
    };
  }
}
