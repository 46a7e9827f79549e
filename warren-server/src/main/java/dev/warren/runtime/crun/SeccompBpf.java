package dev.warren.runtime.crun;

import dev.warren.host.Syscalls;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;
import tools.jackson.databind.JsonNode;

/**
 * Compiles an OCI {@code linux.seccomp} section to BPF with the host's libseccomp (through FFM),
 * making the same calls in the same order as crun 1.8 does, so the program is the one crun would
 * build. Warren compiles its filter once at start-up and hands it to crun in the annotation
 * {@code run.oci.seccomp_bpf_data}: crun then copies it instead of compiling some 400 rules at every
 * sandbox start (about 60 ms of each start on these machines; Debian's crun keeps no cache).
 * Stateless and thread-safe; each compile uses its own libseccomp context.
 */
final class SeccompBpf {
  static final String ANNOTATION = "run.oci.seccomp_bpf_data";
  private static final int ACT_ALLOW = 0x7fff0000;
  private static final int ACT_ERRNO = 0x00050000;
  private static final int NR_ERROR = -1;
  private static final int EEXIST = 17;

  private SeccompBpf() {}

  /** The BPF program of {@code seccomp}, base64-encoded as crun's annotation wants it. */
  static String compile(JsonNode seccomp) {
    Lib lib = Lib.load();
    int defaultAction = action(seccomp.path("defaultAction").asString(), seccomp.path("defaultErrnoRet").asInt(Seccomp.EPERM));
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment ctx = (MemorySegment) lib.init.invokeExact(defaultAction);
      if (ctx.equals(MemorySegment.NULL)) {
        throw new IllegalStateException("seccomp_init failed");
      }
      try {
        for (JsonNode a : seccomp.path("architectures")) {
          String name = a.asString().replaceFirst("^SCMP_ARCH_", "").toLowerCase(Locale.ROOT);
          int token = (int) lib.archResolve.invokeExact(arena.allocateFrom(name));
          if (token == 0) {
            throw new IllegalStateException("libseccomp does not know the architecture " + a.asString());
          }
          check("seccomp_arch_add " + name, (int) lib.archAdd.invokeExact(ctx, token), true);
        }
        for (JsonNode rule : seccomp.path("syscalls")) {
          int action = action(rule.path("action").asString(), rule.path("errnoRet").asInt(Seccomp.EPERM));
          if (action == defaultAction) {
            continue;
          }
          for (JsonNode n : rule.path("names")) {
            int nr = (int) lib.resolve.invokeExact(arena.allocateFrom(n.asString()));
            if (nr != NR_ERROR) {
              addRule(lib, arena, ctx, action, nr, rule.path("args"), n.asString());
            }
          }
        }
        return Base64.getEncoder().encodeToString(export(lib, ctx));
      } finally {
        lib.release.invokeExact(ctx);
      }
    } catch (RuntimeException | Error e) {
      throw e;
    } catch (Throwable t) {
      throw new IllegalStateException("calling libseccomp failed: " + t, t);
    }
  }

  /** One rule; comparisons on the same argument become separate rules (any of them matches), as crun makes them. */
  private static void addRule(Lib lib, Arena arena, MemorySegment ctx, int action, int nr, JsonNode args, String name) throws Throwable {
    int count = args.size();
    Set<Integer> indexes = new HashSet<>();
    boolean repeated = false;
    for (JsonNode a : args) {
      repeated |= !indexes.add(a.path("index").asInt());
    }
    MemorySegment cmps = arena.allocate(24L * Math.max(1, count), 8);
    for (int k = 0; k < count; k++) {
      JsonNode a = args.get(k);
      MemorySegment c = cmps.asSlice(24L * k, 24);
      c.set(ValueLayout.JAVA_INT, 0, a.path("index").asInt());
      c.set(ValueLayout.JAVA_INT, 4, operator(a.path("op").asString()));
      c.set(ValueLayout.JAVA_LONG, 8, a.path("value").asLong());
      c.set(ValueLayout.JAVA_LONG, 16, a.path("valueTwo").asLong());
    }
    if (!repeated) {
      check("seccomp_rule_add " + name, (int) lib.ruleAdd.invokeExact(ctx, action, nr, count, cmps), false);
      return;
    }
    for (int k = 0; k < count; k++) {
      check("seccomp_rule_add " + name, (int) lib.ruleAdd.invokeExact(ctx, action, nr, 1, cmps.asSlice(24L * k, 24)), false);
    }
  }

  private static byte[] export(Lib lib, MemorySegment ctx) throws Throwable {
    Path tmp = Files.createTempFile("warren-seccomp-", ".bpf");
    try {
      int fd = Syscalls.open(tmp.toString(), Syscalls.O_WRONLY | Syscalls.O_TRUNC | Syscalls.O_CLOEXEC);
      try {
        check("seccomp_export_bpf", (int) lib.export.invokeExact(ctx, fd), false);
      } finally {
        Syscalls.close(fd);
      }
      return Files.readAllBytes(tmp);
    } finally {
      try {
        Files.deleteIfExists(tmp);
      } catch (IOException ignored) {
        // a temporary file of a few KiB
      }
    }
  }

  private static int action(String name, int errno) {
    return switch (name) {
      case "SCMP_ACT_ALLOW" -> ACT_ALLOW;
      case "SCMP_ACT_ERRNO" -> ACT_ERRNO | (errno & 0xffff);
      default -> throw new IllegalArgumentException("unsupported seccomp action " + name);
    };
  }

  private static int operator(String op) {
    return switch (op) {
      case "SCMP_CMP_NE" -> 1;
      case "SCMP_CMP_LT" -> 2;
      case "SCMP_CMP_LE" -> 3;
      case "SCMP_CMP_EQ" -> 4;
      case "SCMP_CMP_GE" -> 5;
      case "SCMP_CMP_GT" -> 6;
      case "SCMP_CMP_MASKED_EQ" -> 7;
      default -> throw new IllegalArgumentException("unsupported seccomp operator " + op);
    };
  }

  private static void check(String call, int rc, boolean existsOk) {
    if (rc < 0 && !(existsOk && rc == -EEXIST)) {
      throw new IllegalStateException(call + " failed: " + Syscalls.strerror(-rc));
    }
  }

  /** The libseccomp functions used, looked up once. */
  private record Lib(MethodHandle init, MethodHandle release, MethodHandle archResolve, MethodHandle archAdd, MethodHandle resolve,
      MethodHandle ruleAdd, MethodHandle export) {
    private static volatile Lib instance;

    static Lib load() {
      Lib l = instance;
      if (l == null) {
        Linker linker = Linker.nativeLinker();
        SymbolLookup so = SymbolLookup.libraryLookup("libseccomp.so.2", Arena.global());
        ValueLayout.OfInt i = ValueLayout.JAVA_INT;
        java.util.function.BiFunction<String, FunctionDescriptor, MethodHandle> fn = (name, d) -> linker.downcallHandle(
            so.find(name).orElseThrow(() -> new IllegalStateException("libseccomp lacks " + name)), d);
        l = new Lib(
            fn.apply("seccomp_init", FunctionDescriptor.of(ValueLayout.ADDRESS, i)),
            fn.apply("seccomp_release", FunctionDescriptor.ofVoid(ValueLayout.ADDRESS)),
            fn.apply("seccomp_arch_resolve_name", FunctionDescriptor.of(i, ValueLayout.ADDRESS)),
            fn.apply("seccomp_arch_add", FunctionDescriptor.of(i, ValueLayout.ADDRESS, i)),
            fn.apply("seccomp_syscall_resolve_name", FunctionDescriptor.of(i, ValueLayout.ADDRESS)),
            fn.apply("seccomp_rule_add_array", FunctionDescriptor.of(i, ValueLayout.ADDRESS, i, i, i, ValueLayout.ADDRESS)),
            fn.apply("seccomp_export_bpf", FunctionDescriptor.of(i, ValueLayout.ADDRESS, i)));
        instance = l;
      }
      return l;
    }
  }
}
