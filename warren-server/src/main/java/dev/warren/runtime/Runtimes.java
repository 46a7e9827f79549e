package dev.warren.runtime;

import java.util.Map;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.TreeMap;

/**
 * The runtimes this build knows, by name: every {@link RuntimeFactory} provider on the class path,
 * found once, when first asked. {@code WARREN_RUNTIME} is checked against {@link #names()} at
 * start-up. Immutable after loading; safe from any thread.
 */
public final class Runtimes {
  private static final Map<String, RuntimeFactory> BY_NAME = load();

  private Runtimes() {}

  /** The known names, sorted. */
  public static Set<String> names() {
    return BY_NAME.keySet();
  }

  /**
   * Makes the runtime named {@code name} (see {@link RuntimeFactory#open}).
   *
   * @throws RuntimeUnavailableException naming the known runtimes when none is called {@code name}
   */
  public static SandboxRuntime open(String name, RuntimeContext context) {
    RuntimeFactory factory = BY_NAME.get(name);
    if (factory == null) {
      throw new RuntimeUnavailableException("no runtime named '" + name + "'; known runtimes: " + String.join(", ", names()));
    }
    return factory.open(context);
  }

  private static Map<String, RuntimeFactory> load() {
    Map<String, RuntimeFactory> byName = new TreeMap<>();
    for (RuntimeFactory f : ServiceLoader.load(RuntimeFactory.class, Runtimes.class.getClassLoader())) {
      RuntimeFactory earlier = byName.putIfAbsent(f.name(), f);
      if (earlier != null) {
        throw new IllegalStateException("two runtimes are named " + f.name() + ": " + earlier.getClass().getName() + " and "
            + f.getClass().getName());
      }
    }
    return java.util.Collections.unmodifiableMap(byName);
  }
}
