package dev.warren.runtime.crun;

import dev.warren.host.Tool;
import dev.warren.runtime.SandboxRuntimeException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ends a sandbox's container, whatever state it is in, and everything else in its cgroups:
 * {@code crun delete --force} first, the normal way; then whatever is still in the cgroups is
 * SIGKILLed, frozen first (a container crun does not know: one whose {@code crun create} died
 * before recording it, one whose record is lost; an init whose start never came); then crun's
 * record of a container with no process left is removed, even when crun can no longer read it;
 * last, the cgroups. Holds no state of its own; safe from any thread, one call per sandbox at a time.
 */
final class ContainerEnd {
  private static final Logger log = LoggerFactory.getLogger(ContainerEnd.class);
  /** How long the processes of a stopping sandbox may take to die once SIGKILLed (longer: one is stuck in the kernel). */
  private static final Duration KILL_WAIT = Duration.ofSeconds(5);
  private static final Duration CGROUP_WAIT = Duration.ofSeconds(2);

  private final Path crunRoot;
  private final UnaryOperator<List<String>> crunArgv;
  private final Cgroups cgroups;
  private final Duration crunTimeout;

  ContainerEnd(Path crunRoot, UnaryOperator<List<String>> crunArgv, Cgroups cgroups, Duration crunTimeout) {
    this.crunRoot = crunRoot;
    this.crunArgv = crunArgv;
    this.cgroups = cgroups;
    this.crunTimeout = crunTimeout;
  }

  /** {@code crun delete --force}, when crun has a record of the container. */
  void deleteRecorded(String id) {
    if (!Files.exists(crunRoot.resolve(id))) {
      return;
    }
    Tool.Result r = Tool.run(crunArgv.apply(List.of("delete", "--force", id)), crunTimeout);
    if (!r.ok() && Files.exists(crunRoot.resolve(id))) {
      throw new SandboxRuntimeException("crun delete " + id + " failed: " + r.stderr().strip());
    }
  }

  /** Ends the container and every process in the sandbox's cgroups; the cgroups themselves stay (see {@link #removeCgroups}). */
  void end(String id) {
    if (cgroups.frozen(id)) {
      // a paused sandbox: its processes are SIGKILLed while frozen and die as they thaw, before running
      // another instruction, so crun's delete below finds them gone instead of waiting on frozen ones
      cgroups.killAll(id, KILL_WAIT);
    }
    RuntimeException crunFailed = null;
    try {
      deleteRecorded(id);
    } catch (RuntimeException e) {
      crunFailed = e;
    }
    List<Long> left = cgroups.killAll(id, KILL_WAIT);
    if (!left.isEmpty()) {
      SandboxRuntimeException e = new SandboxRuntimeException("processes of " + id + " outlived SIGKILL for " + KILL_WAIT.toSeconds()
          + " s" + describe(left));
      if (crunFailed != null) {
        e.addSuppressed(crunFailed);
      }
      throw e;
    }
    if (crunFailed != null && Files.exists(crunRoot.resolve(id))) {
      try {
        deleteRecorded(id);
      } catch (SandboxRuntimeException again) {
        log.warn("crun cannot delete its record of {}, whose processes are all gone ({}); removing it", id, again.getMessage());
        Tool.run(List.of("rm", "-rf", "--one-file-system", crunRoot.resolve(id).toString()), crunTimeout);
      }
    }
  }

  void removeCgroups(String id) {
    if (!cgroups.remove(id, CGROUP_WAIT)) {
      throw new SandboxRuntimeException("cgroups of " + id + " still busy after " + CGROUP_WAIT.toSeconds() + " s: " + cgroups.dirs(id)
          + describe(cgroups.allPids(id)));
    }
  }

  /** The processes' command lines, for a message. */
  private static String describe(List<Long> pids) {
    if (pids.isEmpty()) {
      return "";
    }
    StringBuilder b = new StringBuilder("; still running:");
    for (long pid : pids.subList(0, Math.min(pids.size(), 5))) {
      String cmd = ProcessHandle.of(pid).flatMap(h -> h.info().commandLine()).orElse("?");
      b.append(' ').append(pid).append(" (").append(cmd.length() > 120 ? cmd.substring(0, 120) + "…" : cmd).append(')');
    }
    return pids.size() > 5 ? b.append(" and ").append(pids.size() - 5).append(" more").toString() : b.toString();
  }
}
