package dev.warren.runtime;

/**
 * One kind of runtime, known by name ({@code WARREN_RUNTIME}). An implementation registers itself
 * as a {@link java.util.ServiceLoader} provider of this interface, so the runtime package never
 * names its implementations; {@link Runtimes} finds them.
 */
public interface RuntimeFactory {

  /** The name {@code WARREN_RUNTIME} selects it by: lower case, stable across releases. */
  String name();

  /**
   * Makes the runtime of one controller instance. Nothing is touched on the host yet: the caller
   * calls {@link SandboxRuntime#init()} and owns (closes) the result.
   */
  SandboxRuntime open(RuntimeContext context);
}
