package dev.warren.config;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * System calls that every sandbox's seccomp filter refuses by default and that an operator
 * re-allows with {@code WARREN_SECCOMP_ALLOW} (comma-separated names, e.g. {@code io_uring,userfaultfd}).
 * Only interfaces some workloads need and that leave the sandbox's walls standing may be named:
 * namespaces, mounts, kernel modules, kexec, reboot, swap and the clock stay refused whatever the
 * setting says.
 *
 * @param names the names given, each a key of {@link #NAMES}
 */
public record SeccompAllow(Set<String> names) {
  /** Every name the setting accepts, and the system calls each one re-allows. */
  public static final Map<String, List<String>> NAMES = table();
  public static final SeccompAllow NONE = new SeccompAllow(Set.of());

  public SeccompAllow {
    names = Set.copyOf(new TreeSet<>(Objects.requireNonNull(names, "names")));
    for (String n : names) {
      if (!NAMES.containsKey(n)) {
        throw new ConfigException("WARREN_SECCOMP_ALLOW: '" + n + "' cannot be allowed; the names that can: " + NAMES.keySet());
      }
    }
  }

  private static Map<String, List<String>> table() {
    Map<String, List<String>> m = new LinkedHashMap<>();
    m.put("io_uring", List.of("io_uring_setup", "io_uring_enter", "io_uring_register"));
    m.put("userfaultfd", List.of("userfaultfd"));
    m.put("keyctl", List.of("keyctl", "add_key", "request_key"));
    m.put("bpf", List.of("bpf"));
    m.put("perf_event_open", List.of("perf_event_open"));
    m.put("numa", List.of("mbind", "set_mempolicy", "get_mempolicy", "migrate_pages", "move_pages", "set_mempolicy_home_node"));
    m.put("fanotify_init", List.of("fanotify_init"));
    m.put("name_to_handle_at", List.of("name_to_handle_at"));
    m.put("kcmp", List.of("kcmp"));
    m.put("pidfd_getfd", List.of("pidfd_getfd"));
    m.put("process_madvise", List.of("process_madvise"));
    return java.util.Collections.unmodifiableMap(m);
  }

  /** Parses the setting's value: names separated by commas, blanks ignored. */
  static SeccompAllow parse(String value) {
    Set<String> out = new TreeSet<>();
    for (String part : value.split(",")) {
      String n = part.strip();
      if (n.isEmpty()) {
        continue;
      }
      if (!NAMES.containsKey(n)) {
        throw new ConfigException("WARREN_SECCOMP_ALLOW: '" + n + "' in '" + value + "' cannot be allowed; the names that can: "
            + String.join(", ", NAMES.keySet()) + " (namespaces, mounts, modules, kexec, reboot, swap and the clock stay refused)");
      }
      out.add(n);
    }
    return new SeccompAllow(out);
  }

  /** The system calls the names re-allow. */
  public Set<String> syscalls() {
    Set<String> out = new TreeSet<>();
    names.forEach(n -> out.addAll(NAMES.get(n)));
    return out;
  }
}
