package dev.warren.client;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What a new shell session starts with: exported variables and a working directory (the server's
 * default is {@code /workspace}). Build one with {@link #builder()}; the record is immutable and
 * checked. The server checks names further (letters, digits and {@code _}, not starting with
 * {@code WARREN_}) and answers {@link InvalidInputException} naming {@code env.NAME}.
 *
 * <pre>{@code
 * SessionSpec.builder().env("PROJECT", "demo").cwd("/workspace/demo").build()
 * }</pre>
 *
 * @param env variables exported in the session's shell before its first command
 * @param cwd the shell's first working directory, an absolute path
 */
public record SessionSpec(Map<String, String> env, Optional<String> cwd) {

  public SessionSpec {
    Objects.requireNonNull(env, "env");
    env.forEach((name, value) -> {
      if (name == null || name.isBlank() || name.indexOf('=') >= 0 || name.indexOf(0) >= 0) {
        throw new IllegalArgumentException("env name must be non-blank, without '=' or NUL, got '" + name + "'");
      }
      if (value == null) throw new IllegalArgumentException("env value for " + name + " must not be null");
      if (value.indexOf(0) >= 0) throw new IllegalArgumentException("env value for " + name + " must not contain NUL");
    });
    env = Map.copyOf(env);
    Objects.requireNonNull(cwd, "cwd");
    cwd.ifPresent(Urls::sandboxPath);
  }

  /** No variables, the server's default directory. */
  public static SessionSpec defaults() {
    return builder().build();
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Collects a {@link SessionSpec}; not thread-safe, use one per spec. */
  public static final class Builder {
    private final Map<String, String> env = new LinkedHashMap<>();
    private String cwd;

    private Builder() {}

    /** Exports {@code name=value} in the new shell; the value arrives exactly as given. */
    public Builder env(String name, String value) {
      env.put(Objects.requireNonNull(name, "name"), Objects.requireNonNull(value, "value"));
      return this;
    }

    public Builder env(Map<String, String> vars) {
      Objects.requireNonNull(vars, "vars").forEach(this::env);
      return this;
    }

    /** The shell's first working directory, an absolute path inside the sandbox. */
    public Builder cwd(String directory) {
      this.cwd = Objects.requireNonNull(directory, "directory");
      return this;
    }

    public SessionSpec build() {
      return new SessionSpec(env, Optional.ofNullable(cwd));
    }
  }
}
