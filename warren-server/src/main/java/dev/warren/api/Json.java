package dev.warren.api;

import dev.warren.error.Problem;
import io.javalin.http.Context;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.Optional;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.core.TokenStreamContext;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The API's JSON: one mapper, responses and RFC 9457 problem bodies. The mapper refuses an object
 * that names a key twice (which of the two would count is for a parser to guess, and two parsers
 * guess differently): {@link #duplicateKey} says which key.
 */
final class Json {
  static final JsonMapper MAPPER = JsonMapper.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();
  private static final String DUPLICATE = "Duplicate Object property";

  private Json() {}

  /** One format for every time the API answers: RFC 3339 UTC with milliseconds, the precision the store keeps. */
  private static final java.time.format.DateTimeFormatter TIME =
      java.time.format.DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(java.time.ZoneOffset.UTC);

  /**
   * {@code 2026-11-22T10:15:30.123Z}, always with three fraction digits: a create's answer (whose
   * times are fresh, to the nanosecond) reads the same as every later answer (from the store).
   */
  static String time(java.time.Instant t) {
    return TIME.format(t);
  }

  static String time(java.util.Optional<java.time.Instant> t) {
    return t.map(Json::time).orElse(null);
  }

  /**
   * The field a parse failure names twice, dotted from the top ({@code limits.memoryMb},
   * {@code egress.allow[0].host}), when that is what failed.
   */
  static Optional<String> duplicateKey(JacksonException e) {
    if (e.getOriginalMessage() == null || !e.getOriginalMessage().startsWith(DUPLICATE) || !(e.processor() instanceof JsonParser p)) {
      return Optional.empty();
    }
    Deque<String> parts = new ArrayDeque<>();
    for (TokenStreamContext c = p.streamReadContext(); c != null && !c.inRoot(); c = c.getParent()) {
      if (c.inArray()) {
        parts.push("[" + c.getCurrentIndex() + "]");
      } else if (c.currentName() != null) {
        parts.push(c.currentName());
      }
    }
    StringBuilder field = new StringBuilder();
    for (String part : parts) {
      field.append(field.isEmpty() || part.startsWith("[") ? "" : ".").append(part);
    }
    return Optional.of(field.toString());
  }

  static ObjectNode object() {
    return MAPPER.createObjectNode();
  }

  static void send(Context ctx, int status, Object body) {
    ctx.status(status).contentType("application/json").result(MAPPER.writeValueAsBytes(body));
  }

  static void problem(Context ctx, Problem p, String detail, Optional<String> field, Map<String, Object> extra) {
    ObjectNode n = object();
    n.put("type", p.type());
    n.put("title", p.title());
    n.put("status", p.status());
    n.put("detail", detail);
    field.ifPresent(f -> n.put("field", f));
    n.put("instance", ctx.path());
    extra.forEach((k, v) -> n.set(k, MAPPER.valueToTree(v)));
    ctx.status(p.status()).contentType("application/problem+json").result(MAPPER.writeValueAsBytes(n));
  }
}
