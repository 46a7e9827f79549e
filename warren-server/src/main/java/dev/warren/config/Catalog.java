package dev.warren.config;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Every setting Warren knows, with its default and what it means: the one list from which the
 * known names, the commented configuration file written by {@code warren install} and the checks
 * that the documentation is complete are derived. A setting added to {@link Config} is added here.
 */
public final class Catalog {

  /** One setting: name, default as written in the file ({@code ""}: none), section and meaning. */
  public record Entry(String name, String dflt, String section, String meaning) {}

  private static final List<Entry> ENTRIES = List.of(
      new Entry("WARREN_CONFIG", "", "Files",
          "Absolute path of the configuration file (NAME=value lines, # comments). Set in the environment or with --config; "
              + "variables in the environment win over lines in the file."),
      new Entry("WARREN_DATA", "/var/lib/warren", "Files",
          "Data directory: database, API token, signing secret, profiles, sandbox state, logs. Absolute."),
      new Entry("WARREN_IMAGES", "/var/lib/warren/images", "Files",
          "Golden images (built with debootstrap), shared by every data directory on the host. Absolute."),
      new Entry("WARREN_HOST_STATE", "/var/lib/warren-host", "Files",
          "Host-wide registry that gives each data directory its own instance number, bridge, subnet and uid range."),
      new Entry("WARREN_LISTEN", "127.0.0.1:7070", "API",
          "Address of the HTTP API, host:port. Port 0 picks a free port and writes it to $WARREN_DATA/listen."),
      new Entry("WARREN_PUBLIC_URL", "", "API",
          "Where clients reach Warren, as http(s)://host[:port][/path], when a reverse proxy or TLS terminator is in front: the "
              + "CDP, live view and VNC URLs Warren hands out start with it (wss:// for https). Empty: the request's scheme and Host."),
      new Entry("WARREN_PREVIEW_DOMAIN", "", "API",
          "Domain (optionally :port) under which each sandbox port is also served on a host of its own, {port}-sbx-{id}.DOMAIN "
              + "(needs a wildcard DNS name pointing at Warren). Empty: preview URLs are paths under WARREN_PUBLIC_URL only."),
      new Entry("WARREN_RATE_LIMIT", "1000/2000", "API",
          "API requests per second per token, then the burst (RATE or RATE/BURST; 0: no limit). Past it: 429 with Retry-After."),
      new Entry("WARREN_MIN_FREE_SPACE", "64m", "Files",
          "Free space the data directory keeps; below it, calls that write answer 503 naming the disk."),
      new Entry("WARREN_SHUTDOWN_GRACE", "10s", "API",
          "On SIGTERM: how long calls in flight may take to finish before the controller stops anyway."),
      new Entry("WARREN_DB_URL", "", "Store",
          "jdbc:sqlite:FILE or jdbc:postgresql://HOST:PORT/DB. Empty: SQLite in $WARREN_DATA/warren.db."),
      new Entry("WARREN_DB_USER", "", "Store", "PostgreSQL user."),
      new Entry("WARREN_DB_TIMEOUT", "10s", "Store",
          "How long a call waits for the database (a SQLite lock, a PostgreSQL connection) before answering 503 (250ms..10m)."),
      new Entry("WARREN_DB_PASSWORD", "", "Store", "PostgreSQL password (never logged)."),
      new Entry("WARREN_BRIDGE", "", "Network",
          "Name of the sandbox bridge. Empty: warren<instance number>."),
      new Entry("WARREN_SUBNET", "", "Network",
          "IPv4 network of the sandboxes, /8 to /24. Empty: 10.200.0.0/20 shifted by the instance number."),
      new Entry("WARREN_PROXY_PORT", "3128", "Network",
          "Port of the egress proxy on the bridge address; the only way out of a sandbox."),
      new Entry("WARREN_EGRESS_MAX_CONNECTIONS_PER_SANDBOX", "256", "Network",
          "Connections one sandbox may have open through the egress proxy at once (1..65536); past it 429, while other sandboxes "
              + "keep their share of the proxy's 4096."),
      new Entry("WARREN_EGRESS_LOG_RATE", "20/200", "Network",
          "Egress log entries per second per sandbox, then the burst (RATE or RATE/BURST; 0: no limit). Past it, connections are "
              + "counted into one summary entry every 10 s instead of one entry each."),
      new Entry("WARREN_EGRESS_LOG_MAX_PER_SANDBOX", "10000", "Network",
          "Egress log entries kept per sandbox; the oldest go first (0: no count limit)."),
      new Entry("WARREN_EGRESS_LOG_RETENTION", "30d", "Network",
          "How long egress log entries are kept, a deleted sandbox's too (0: no age limit)."),
      new Entry("WARREN_SESSION_QUEUE_MAX", "256", "Sandboxes",
          "Commands one shell session may have queued or running at once (1..100000); past it a submit answers 429."),
      new Entry("WARREN_MAX_SANDBOXES", "1024", "Sandboxes", "Sandboxes this instance keeps at most (1..1024)."),
      new Entry("WARREN_DEFAULT_IMAGE", "base", "Sandboxes", "Image of a sandbox whose create names none."),
      new Entry("WARREN_DEFAULT_MEMORY_MB", "512", "Sandboxes", "Default memory limit, MiB (16..262144)."),
      new Entry("WARREN_DEFAULT_PIDS", "512", "Sandboxes", "Default process limit (8..1000000)."),
      new Entry("WARREN_DEFAULT_CPUS", "1", "Sandboxes", "Default CPU limit, cores (0.01..1024)."),
      new Entry("WARREN_DEFAULT_DISK_MB", "10240", "Sandboxes",
          "Default size of a sandbox's disk, MiB (16..1048576), with one inode per 16 KiB; writing past it is ENOSPC inside the "
              + "sandbox. Per sandbox: limits.diskMb, limits.diskInodes."),
      new Entry("WARREN_DISK_ALLOCATION", "sparse", "Sandboxes",
          "sparse: a sandbox's disk takes host space as it is written (the sum of the limits may exceed the disk; a sandbox starts "
              + "only when its disk can grow to its limit above WARREN_MIN_FREE_SPACE). reserved: its whole size is reserved "
              + "(fallocate) when it is made."),
      new Entry("WARREN_DISK_POOL", "2", "Sandboxes",
          "Empty disks of the default size kept made and mounted ahead of demand (0..64; not with reserved allocation): a create "
              + "takes one instead of attaching and mounting a disk. Each holds a loop device and a mount."),
      new Entry("WARREN_IDLE_TIMEOUT", "30m", "Sandboxes",
          "A sandbox with no API activity and no CPU use for this long is stopped (0: never). Per sandbox: idleTimeoutSeconds."),
      new Entry("WARREN_IDLE_ACTION", "stop", "Sandboxes",
          "What the idle timeout does: stop (processes end, files stay) or pause (processes frozen in memory, resumed by the next call). "
              + "Per sandbox: idleAction."),
      new Entry("WARREN_PAUSED_TIMEOUT", "0", "Sandboxes",
          "A paused sandbox with no API activity for this long is stopped, freeing its memory (0: never). Per sandbox: pausedTimeoutSeconds."),
      new Entry("WARREN_IDLE_CHECK_INTERVAL", "15s", "Sandboxes", "How often idleness is checked."),
      new Entry("WARREN_SANDBOX_POOL", "", "Sandboxes",
          "Sandboxes kept created and started ahead of demand, per image, as image=count pairs separated by commas (e.g. base=4; "
              + "1..64 each), in the default limits shape. A create that matches (that image, default limits, no snapshot, volumes or "
              + "desktop) is served by one, the caller's env, labels, egress and idle policy applied as it is handed over; refilled in "
              + "the background. Empty: no pool."),
      new Entry("WARREN_BROWSER_POOL", "0", "Sandboxes", "Headless browsers kept started and ready to hand out (0..64)."),
      new Entry("WARREN_BUILD_IMAGES", "", "Sandboxes",
          "Images to build in the background once the API is up when they are not built yet, comma-separated (./warren up sets "
              + "browser). Progress in the log; creating a sandbox or browser of one answers 503 with it until it is ready."),
      new Entry("WARREN_RUNTIME", "crun", "Runtime",
          "What runs the sandboxes, by name. Known: crun (OCI containers), microvm (QEMU microVMs, phase 1: docs/microvm.md). An unknown name stops the start, listing the known ones."),
      new Entry("WARREN_CRUN", "", "Runtime", "Absolute path of the crun binary. Empty: crun on the PATH."),
      new Entry("WARREN_SECCOMP_ALLOW", "", "Runtime",
          "System calls the sandboxes' seccomp filter refuses that are allowed anyway, comma-separated: io_uring, userfaultfd, keyctl, "
              + "bpf, perf_event_open, numa, fanotify_init, name_to_handle_at, kcmp, pidfd_getfd, process_madvise. Empty: none."),
      new Entry("WARREN_REGISTRY_MIRROR", "", "Runtime",
          "OCI registry that image pulls ask instead of the one the reference names (http or https URL), e.g. a pull-through cache. "
              + "Empty: the named registry."),
      new Entry("WARREN_REGISTRY_INSECURE", "", "Runtime",
          "Registries (host:port, comma-separated) that image pulls may reach over plain http and on a loopback or private address. "
              + "Empty: pulls use https and refuse registries on loopback, link-local and private addresses."),
      new Entry("WARREN_REGISTRY_AUTH", "", "Runtime",
          "Absolute path of a Docker config.json ({\"auths\": {\"registry.example\": {\"auth\": \"<base64 of user:password>\"}}}) with "
              + "the credentials image pulls give each registry; only its owner may read it (chmod 600), or the start stops. "
              + "Empty: pulls are anonymous unless the pull request carries credentials."),
      new Entry("WARREN_MIRROR", "http://deb.debian.org/debian", "Runtime", "Debian mirror for image builds (http, https or file URL)."),
      new Entry("WARREN_LOG_LEVEL", "INFO", "Logs", "TRACE, DEBUG, INFO, WARN or ERROR."),
      new Entry("WARREN_LOG_DIR", "", "Logs",
          "Directory of the rotating log file warren.log. Empty: $WARREN_DATA/logs. \"off\": standard output only."),
      new Entry("WARREN_LOG_MAX_SIZE", "1GB", "Logs",
          "Total size the log files may take; the oldest go first. Files roll daily and at 50MB. Units KB, MB, GB."),
      new Entry("WARREN_LOG_RETENTION", "14d", "Logs", "How long rolled log files are kept."),
      new Entry("WARREN_AUDIT_RETENTION", "90d", "Logs",
          "How long audit entries (who did what, GET /v1/audit) are kept in the store (0: forever)."),
      new Entry("WARREN_JAVA_OPTS", "", "Launcher",
          "Extra JVM options for the installed launcher (bin/warren), e.g. -Xmx1g. Read by the launcher only."));

  private static final Set<String> NAMES;

  static {
    Map<String, Entry> byName = new LinkedHashMap<>();
    for (Entry e : ENTRIES) {
      if (byName.put(e.name(), e) != null) {
        throw new IllegalStateException("setting listed twice: " + e.name());
      }
    }
    NAMES = Set.copyOf(byName.keySet());
  }

  private Catalog() {}

  public static List<Entry> entries() {
    return ENTRIES;
  }

  /** The names of every setting. */
  public static Set<String> names() {
    return NAMES;
  }
}
