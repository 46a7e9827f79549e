package dev.warren.host;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/**
 * A C library function bound at its first call, not when the class declaring it initialises:
 * binding spins classes at run time (about 10 ms each, about 100 ms for a process's first), which
 * the start-up cache cannot keep, and a controller's start makes only a few of the calls Warren
 * declares. Thread-safe: concurrent first calls bind once.
 */
final class Downcall {
  private static final Linker LINKER = Linker.nativeLinker();

  private final String name;
  private final FunctionDescriptor descriptor;
  private final Linker.Option[] options;
  private volatile MethodHandle handle;

  Downcall(String name, FunctionDescriptor descriptor, Linker.Option... options) {
    this.name = name;
    this.descriptor = descriptor;
    this.options = options.clone();
  }

  /** The bound function; the first call binds it. */
  MethodHandle handle() {
    MethodHandle h = handle;
    if (h == null) {
      synchronized (this) {
        h = handle;
        if (h == null) {
          MemorySegment symbol = LINKER.defaultLookup().find(name).orElseThrow(() -> new IllegalStateException("libc lacks " + name));
          h = LINKER.downcallHandle(symbol, descriptor, options);
          handle = h;
        }
      }
    }
    return h;
  }
}
