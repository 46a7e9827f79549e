package dev.warren.client;

import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * An RFC 9457 problem the server answered with. When the answer was not a problem document (a
 * proxy's HTML page, say) the SDK synthesizes one from the status and the body's first line.
 *
 * @param type stable identifier, e.g. {@code https://warren.dev/problems/invalid-input}
 * @param field for invalid input: the offending member, e.g. {@code limits.memoryMb}
 * @param extensions other members the server sent, e.g. {@code state} on a 409
 */
public record Problem(
    String type,
    String title,
    int status,
    Optional<String> detail,
    Optional<String> field,
    Optional<String> instance,
    Map<String, Object> extensions) {

  public Problem {
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(title, "title");
    Objects.requireNonNull(detail, "detail");
    Objects.requireNonNull(field, "field");
    Objects.requireNonNull(instance, "instance");
    extensions = Map.copyOf(Objects.requireNonNull(extensions, "extensions"));
  }

  /** The last path segment of {@link #type()}, e.g. {@code invalid-input}. */
  public String typeName() {
    return type.substring(type.lastIndexOf('/') + 1);
  }
}
