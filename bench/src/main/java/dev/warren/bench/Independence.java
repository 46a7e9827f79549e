package dev.warren.bench;

import dev.warren.host.Instance;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Whether browser sessions are fully independent, read from the host and through the API: distinct
 * session ids and sandboxes; in each sandbox's cgroup exactly one Chromium browser process, with
 * distinct host PIDs, mount namespaces and user-data directories (the directory's device and
 * inode, reached through {@code /proc/<pid>/root}); and storage that is not shared: each session
 * sets a cookie and a localStorage value of its own on the same origin, then each must read back
 * exactly its own.
 */
final class Independence {
  private Independence() {}

  /** The distinct counts found and what was wrong; independent when nothing was. */
  record Findings(int sessions, int ids, int sandboxes, int chromiumPids, int mountNamespaces, int profileDirs, int storageOwnOnly,
      List<String> problems) {
    Findings {
      problems = List.copyOf(problems);
    }

    boolean independent() {
      return sessions > 0 && problems.isEmpty();
    }

    void print() {
      Report.note(String.format("independence of the %d sessions: %d distinct ids, %d sandboxes, %d Chromium browser PIDs, %d mount namespaces, "
          + "%d user-data directories; %d of %d saw only their own cookie and localStorage value", sessions, ids, sandboxes, chromiumPids,
          mountNamespaces, profileDirs, storageOwnOnly, sessions));
      Report.note(independent() ? "every session is independent" : "NOT INDEPENDENT: " + problems);
    }
  }

  static Findings check(BrowserApi api, Instance instance, List<BrowserApi.Created> sessions) {
    List<String> problems = new ArrayList<>();
    Set<String> ids = new HashSet<>();
    Set<String> sandboxes = new HashSet<>();
    Set<Long> pids = new HashSet<>();
    Set<String> mountNs = new HashSet<>();
    Set<String> profiles = new HashSet<>();
    for (BrowserApi.Created c : sessions) {
      ids.add(c.id());
      sandboxes.add(c.sandboxId());
      List<Long> browsers = ProcessMemory.browserProcesses(ProcessMemory.sandboxPids(instance, c.sandboxId()));
      if (browsers.size() != 1) {
        problems.add(c.id() + ": " + browsers.size() + " Chromium browser processes in sandbox " + c.sandboxId());
        continue;
      }
      long pid = browsers.getFirst();
      pids.add(pid);
      link(Path.of("/proc", Long.toString(pid), "ns", "mnt")).ifPresentOrElse(mountNs::add,
          () -> problems.add(c.id() + ": cannot read the mount namespace of PID " + pid));
      Optional<String> dir = ProcessMemory.flag(pid, "user-data-dir");
      if (dir.isEmpty()) {
        problems.add(c.id() + ": Chromium (PID " + pid + ") has no --user-data-dir");
        continue;
      }
      Path inSandbox = Path.of("/proc", Long.toString(pid), "root").resolve(dir.get().replaceFirst("^/+", ""));
      try {
        Map<String, Object> a = Files.readAttributes(inSandbox, "unix:dev,ino");
        profiles.add(a.get("dev") + ":" + a.get("ino"));
      } catch (IOException | UnsupportedOperationException e) {
        problems.add(c.id() + ": cannot stat its user-data directory " + inSandbox + ": " + e.getMessage());
      }
    }
    int n = sessions.size();
    expect(problems, "ids", ids.size(), n);
    expect(problems, "sandboxes", sandboxes.size(), n);
    expect(problems, "Chromium browser PIDs", pids.size(), n);
    expect(problems, "mount namespaces", mountNs.size(), n);
    expect(problems, "user-data directories", profiles.size(), n);

    for (int i = 0; i < n; i++) {
      api.evaluate(sessions.get(i).id(), "localStorage.setItem('warren-bench', 'b" + i + "'); document.cookie = 'warrenbench=b" + i
          + "; path=/'; 'set'");
    }
    int own = 0;
    for (int i = 0; i < n; i++) {
      String seen = api.evaluate(sessions.get(i).id(), "(localStorage.getItem('warren-bench') || '') + '|' + document.cookie");
      String expected = "b" + i + "|warrenbench=b" + i;
      if (seen.equals(expected)) {
        own++;
      } else {
        problems.add(sessions.get(i).id() + " read '" + seen + "', expected only its own '" + expected + "'");
      }
    }
    return new Findings(n, ids.size(), sandboxes.size(), pids.size(), mountNs.size(), profiles.size(), own, problems);
  }

  private static void expect(List<String> problems, String what, int distinct, int n) {
    if (distinct != n) {
      problems.add(distinct + " distinct " + what + " for " + n + " sessions");
    }
  }

  private static Optional<String> link(Path p) {
    try {
      return Optional.of(Files.readSymbolicLink(p).toString());
    } catch (IOException e) {
      return Optional.empty();
    }
  }
}
