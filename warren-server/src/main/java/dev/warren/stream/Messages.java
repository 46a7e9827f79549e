package dev.warren.stream;

import java.util.Optional;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/** The JSON text messages of the live-view WebSocket, server to client (docs/api.md lists them). */
final class Messages {
  /** Also reads viewers' messages: a key given twice is a bad message, not a guess at which one counts. */
  static final JsonMapper JSON = JsonMapper.builder().enable(tools.jackson.core.StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();

  private Messages() {}

  static String hello(String target, long generation, Viewer v, Optional<String> holder, int width, int height, Optional<Handoff> handoff) {
    ObjectNode n = JSON.createObjectNode().put("type", "hello").put("target", target).put("generation", generation).put("viewer", v.id())
        .put("control", v.scope().wire()).put("holder", holder.orElse(null));
    n.putObject("viewport").put("width", width).put("height", height);
    n.set("handoff", handoff.map(Messages::handoffNode).orElse(null));
    return n.toString();
  }

  /** Built by hand: the base64 needs no escaping and can be large. */
  static String frame(Screencast.Frame f) {
    return new StringBuilder(f.base64().length() + 96).append("{\"type\":\"frame\",\"seq\":").append(f.seq()).append(",\"width\":")
        .append(f.width()).append(",\"height\":").append(f.height()).append(",\"data\":\"").append(f.base64()).append("\"}").toString();
  }

  static String control(Optional<String> holder, Optional<String> previous) {
    return JSON.createObjectNode().put("type", "control").put("holder", holder.orElse(null)).put("previous", previous.orElse(null)).toString();
  }

  static String status(String state, String text) {
    return JSON.createObjectNode().put("type", "status").put("state", state).put("text", text).toString();
  }

  static String closing(CloseCode code, String reason) {
    return JSON.createObjectNode().put("type", "closing").put("code", code.code()).put("reason", reason).toString();
  }

  static String error(String code, String message) {
    return JSON.createObjectNode().put("type", "error").put("code", code).put("message", message).toString();
  }

  static String page(String url, String title) {
    return JSON.createObjectNode().put("type", "page").put("url", url).put("title", title).toString();
  }

  static String handoff(Handoff h) {
    ObjectNode n = handoffNode(h);
    n.put("type", "handoff");
    return n.toString();
  }

  private static ObjectNode handoffNode(Handoff h) {
    return JSON.createObjectNode().put("id", h.id()).put("state", h.state().wire()).put("reason", h.reason())
        .put("takenBy", h.takenBy().orElse(null)).put("profileSaved", h.profileSaved()).put("detail", h.detail().orElse(null));
  }
}
