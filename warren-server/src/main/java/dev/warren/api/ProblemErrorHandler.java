package dev.warren.api;

import dev.warren.error.Problem;
import java.nio.ByteBuffer;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;
import tools.jackson.databind.node.ObjectNode;

/**
 * Answers the errors Jetty raises before a request reaches the API (a request head over the
 * limit, a malformed request line) with a problem body like every other error, instead of HTML.
 */
final class ProblemErrorHandler extends ErrorHandler {
  private final int maxHeaders;

  ProblemErrorHandler(int maxHeaders) {
    this.maxHeaders = maxHeaders;
  }

  @Override
  protected void generateResponse(Request request, Response response, int code, String message, Throwable cause, Callback callback) {
    Problem p = switch (code) {
      case 413, 414, 431 -> Problem.TOO_LARGE;
      case 401 -> Problem.UNAUTHORIZED;
      case 403 -> Problem.FORBIDDEN;
      case 404, 405 -> Problem.NOT_FOUND;
      case 503 -> Problem.UNAVAILABLE;
      default -> code < 500 ? Problem.INVALID_INPUT : Problem.INTERNAL;
    };
    String detail = switch (code) {
      case 431 -> "the request's headers are over the limit of " + maxHeaders + " bytes";
      case 414 -> "the request's URI is over the limit of " + maxHeaders + " bytes";
      default -> message == null ? "the request could not be read" : message;
    };
    ObjectNode n = Json.object();
    n.put("type", p.type());
    n.put("title", p.title());
    n.put("status", code);
    n.put("detail", detail);
    n.put("instance", request.getHttpURI() == null ? "" : request.getHttpURI().getPath());
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/problem+json");
    response.write(true, ByteBuffer.wrap(Json.MAPPER.writeValueAsBytes(n)), callback);
  }
}
