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
