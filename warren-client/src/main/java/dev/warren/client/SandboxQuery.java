package dev.warren.client;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Filter for {@link Sandboxes#list(SandboxQuery)}: every label must match and, when given, the
 * state too. Immutable; the {@code with…} methods return new queries.
 *
 * <pre>{@code
 * warren.sandboxes().list(SandboxQuery.all().withLabel("agent", "a42").withState(SandboxState.RUNNING));
 * }</pre>
 */
public record SandboxQuery(Map<String, String> labels, Optional<SandboxState> state) {

  public SandboxQuery {
    Objects.requireNonNull(labels, "labels");
    labels.forEach((k, v) -> {
      if (k == null || k.isBlank()) throw new IllegalArgumentException("label keys must not be blank");
      if (k.indexOf('=') >= 0) throw new IllegalArgumentException("label key must not contain '=', got " + k);
      Objects.requireNonNull(v, "label value for " + k);
    });
    labels = Map.copyOf(labels);
    Objects.requireNonNull(state, "state");
    if (state.orElse(null) == SandboxState.UNKNOWN) {
      throw new IllegalArgumentException("cannot filter by state UNKNOWN");
    }
  }

  /** Matches every sandbox. */
  public static SandboxQuery all() {
    return new SandboxQuery(Map.of(), Optional.empty());
  }

  public SandboxQuery withLabel(String key, String value) {
    var copy = new LinkedHashMap<>(labels);
    copy.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value"));
    return new SandboxQuery(copy, state);
  }

  public SandboxQuery withState(SandboxState state) {
    return new SandboxQuery(labels, Optional.of(Objects.requireNonNull(state, "state")));
  }
}
