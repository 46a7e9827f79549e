package dev.warren.ops;

import dev.warren.Version;
import dev.warren.config.Catalog;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** The files {@code warren install} writes: the launcher, the configuration file and the systemd unit. */
final class Templates {
  private Templates() {}

  /** {@code <prefix>/bin/warren}: runs the installed jar with the installed JVM and the configuration file. */
  static String launcher(Path java, Path jar, Path config) {
    return """
        #!/bin/sh
        # Warren %s launcher, written by `warren install` on %s; re-run it to change this file.
        # Settings live in the configuration file below (or WARREN_CONFIG, or --config FILE).
        WARREN_CONFIG="${WARREN_CONFIG:-%s}"
        export WARREN_CONFIG
        opts=""
        if [ -r "$WARREN_CONFIG" ]; then
          opts=$(sed -n 's/^[[:space:]]*WARREN_JAVA_OPTS=//p' "$WARREN_CONFIG" | tail -n 1 | sed "s/^[\\"']//; s/[\\"']$//")
        fi
        # the start-up cache `warren aot` trained for this jar and JVM, if any (named after both)
        aot="%5$s-$(stat -c %%s-%%Y %5$s)-$(stat -L -c %%Y %4$s).aot"
        if [ -f "$aot" ]; then
          opts="-XX:AOTCache=$aot -Xlog:aot=off,cds=off $opts"
        fi
        # shellcheck disable=SC2086
        exec %4$s --enable-native-access=ALL-UNNAMED $opts -jar %5$s "$@"
        """.formatted(Version.CURRENT, Instant.now(), config, java, jar);
  }

  /** The configuration file: every setting with its meaning and default, the chosen ones set. */
  static String config(Map<String, String> chosen) {
    StringBuilder b = new StringBuilder();
    b.append("""
        # Warren configuration, written by `warren install` on %s.
        # One setting per line, NAME=value; lines starting with # are comments. A commented setting
        # has the default shown. The environment of the process wins over this file. A bad or unknown
        # setting stops Warren at start-up with one line naming it. Check with: warren config check
        # Reference: docs/operations.md.
        """.formatted(Instant.now()));
    String section = "";
    for (Catalog.Entry e : Catalog.entries()) {
      if (e.name().equals("WARREN_CONFIG")) {
        continue;
      }
      if (!e.section().equals(section)) {
        section = e.section();
        b.append("\n# ---- ").append(section).append('\n');
      }
      for (String line : wrap(e.meaning(), 96)) {
        b.append("# ").append(line).append('\n');
      }
      if (chosen.containsKey(e.name())) {
        b.append(e.name()).append('=').append(chosen.get(e.name())).append('\n');
      } else {
        b.append('#').append(e.name()).append('=').append(e.dflt()).append('\n');
      }
    }
    return b.toString();
  }

  /**
   * The systemd unit. Only the controller gets the stop signal (sandboxes are its detached children
   * and must outlive it); crashes restart it; file-system sandboxing is left out because it would
   * give the service a mount namespace of its own (see the comment in the unit).
   */
  static String unit(Path launcher, Path config, Duration grace) {
    return """
        # Warren %s, written by `warren install` on %s; re-run it to rewrite this file.
        [Unit]
        Description=Warren: sandboxes, shells and browsers for AI agents
        Documentation=https://warren.dev/docs/operations
        Wants=network-online.target
        After=network-online.target
        # at most 10 crash restarts in 5 minutes, then the unit is left failed
        StartLimitIntervalSec=300
        StartLimitBurst=10

        [Service]
        Type=exec
        Environment=WARREN_CONFIG=%s
        ExecStart=%s serve
        WorkingDirectory=/
        # what the controller makes is its own (it sets this umask itself too, before its first file)
        UMask=0077
        # SIGTERM drains the API (WARREN_SHUTDOWN_GRACE) and leaves sandboxes running. Sandboxes are
        # detached processes that must outlive the controller: only the controller is signalled.
        KillMode=process
        KillSignal=SIGTERM
        TimeoutStopSec=%d
        # the JVM ends with 143 after a SIGTERM
        SuccessExitStatus=143
        Restart=on-failure
        RestartSec=2s
        # limits: many files and processes (sessions, FIFOs, sockets); each sandbox has its own cgroup limits
        LimitNOFILE=65536
        TasksMax=infinity
        # sandboxes run with oom_score_adj 500: under memory pressure they go before the controller
        OOMScoreAdjust=-500
        # Sandboxing of the service itself. Capabilities neither Warren nor its sandboxes use are
        # dropped from the bounding set (sandboxes inherit it). File-system sandboxing
        # (ProtectSystem=strict with ReadWritePaths=, ProtectHome=, PrivateTmp=, ProtectKernel*=) is
        # deliberately absent: each of those runs the service in a mount namespace of its own, and
        # Warren's mounts (sandbox root filesystems under WARREN_DATA, network namespaces under
        # /run/netns, its crun namespace under /run/warren) must be made in the host's namespace so
        # that running sandboxes are found and adopted by the next controller after a restart.
        CapabilityBoundingSet=%s
        LockPersonality=yes
        RestrictRealtime=yes

        [Install]
        WantedBy=multi-user.target
        """.formatted(Version.CURRENT, Instant.now(), config, launcher, grace.toSeconds() + 30, "~" + String.join(" ", DROPPED_CAPS));
  }

  /** Capabilities dropped from the service's bounding set (tested: sandboxes still work without them). */
  static final List<String> DROPPED_CAPS = List.of("CAP_SYS_MODULE", "CAP_SYS_BOOT", "CAP_SYS_TIME", "CAP_WAKE_ALARM",
      "CAP_BLOCK_SUSPEND", "CAP_LEASE", "CAP_MAC_ADMIN", "CAP_MAC_OVERRIDE", "CAP_AUDIT_CONTROL", "CAP_AUDIT_READ", "CAP_SYSLOG");

  private static List<String> wrap(String text, int width) {
    List<String> lines = new java.util.ArrayList<>();
    StringBuilder line = new StringBuilder();
    for (String word : text.split(" ")) {
      if (line.length() > 0 && line.length() + 1 + word.length() > width) {
        lines.add(line.toString());
        line.setLength(0);
      }
      if (line.length() > 0) {
        line.append(' ');
      }
      line.append(word);
    }
    if (line.length() > 0) {
      lines.add(line.toString());
    }
    return lines;
  }
}
