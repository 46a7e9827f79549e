package dev.warren.api;

import dev.warren.error.Problem;
import io.javalin.http.Context;
import java.util.Map;
import java.util.Optional;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/** The API's JSON: one mapper, responses and RFC 9457 problem bodies. */
final class Json {
  static final JsonMapper MAPPER = JsonMapper.builder().build();

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
