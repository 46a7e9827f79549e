package dev.warren.runtime.crun;

import dev.warren.host.DiskSpace;
import dev.warren.host.SyscallException;
import dev.warren.runtime.ExecResult;
import dev.warren.runtime.ExecSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.function.ToLongFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The {@link Agent} of each running sandbox, and commands run through it, or through crun exec
 * while it does not answer (before it started, or on a full disk). Thread-safe: the map is
 * concurrent; an agent is attached at start and closed at stop by the caller that serialises a
 * sandbox's lifecycle, and attached on first use after a controller restart.
 */
final class Agents {
  private static final Logger log = LoggerFactory.getLogger(Agents.class);
  private static final JsonMapper JSON = JsonMapper.builder().build();

  private final Map<String, Agent> agents = new ConcurrentHashMap<>();
  private final Function<String, SandboxDirs> dirs;
  private final ToLongFunction<String> rootUid;
  private final Supplier<FileWatch> watch;
  private final Predicate<String> nearlyFull;
  private final Execs execs;
  private final Cgroups cgroups;

  Agents(Function<String, SandboxDirs> dirs, ToLongFunction<String> rootUid, Supplier<FileWatch> watch, Predicate<String> nearlyFull,
      Execs execs, Cgroups cgroups) {
    this.dirs = dirs;
    this.rootUid = rootUid;
    this.watch = watch;
    this.nearlyFull = nearlyFull;
    this.execs = execs;
    this.cgroups = cgroups;
  }

  /** Prepares the agent of a sandbox being started (its root filesystem is mounted), replacing an old one. */
  void attach(String id, long uid) {
    close(id);
    agents.put(id, Agent.attach(id, dirs.apply(id).rootfs(), uid, watch.get(), execs::killSession, true));
  }

  void close(String id) {
    Agent a = agents.remove(id);
    if (a != null) {
      a.close();
    }
  }

  /** Closes every agent: their descriptors (directory, control FIFO) would keep each sandbox's disk busy. */
  void close() {
    List.copyOf(agents.keySet()).forEach(this::close);
  }

  /** The agent of a running sandbox, once it answers; empty means use crun exec. */
  private Optional<Agent> agent(String id) {
    Agent a = agents.get(id);
    if (a == null && RootFs.mounted(dirs.apply(id))) {
      try {
        long uid = rootUid.applyAsLong(id);
        a = agents.computeIfAbsent(id, k -> Agent.attach(k, dirs.apply(k).rootfs(), uid, watch.get(), execs::killSession, false));
      } catch (RuntimeException e) {
        log.debug("no agent for {}: {}", id, e.toString());
        return Optional.empty();
      }
    }
    return a != null && a.awaitReady(Duration.ofSeconds(3)) ? Optional.of(a) : Optional.empty();
  }

  ExecResult exec(String id, ExecSpec spec) {
    Optional<Agent> agent = agent(id);
    // the agent's files are on the sandbox's disk: on a full one, the command runs without them
    if (agent.isPresent() && !nearlyFull.test(id)) {
      try {
        return agent.get().exec(spec, () -> cgroups.oomKills(id));
      } catch (SyscallException e) {
        // the disk filled up since: the request was not submitted
        if (e.errno() != DiskSpace.ENOSPC) {
          throw e;
        }
      }
    }
    return execs.run(id, withBaseEnv(id, spec));
  }

  long spawn(String id, ExecSpec spec) {
    Optional<Agent> agent = agent(id);
    if (agent.isPresent()) {
      return agent.get().spawn(spec);
    }
    long hostPid = execs.spawn(id, withBaseEnv(id, spec), dirs.apply(id).bundle());
    return Execs.nsPid(hostPid);
  }

  /**
   * Replaces the environment of the processes the running sandbox {@code id} starts from now on
   * (see {@code SandboxRuntime#setEnvironment}): in its bundle's config.json, which the crun exec
   * path reads ({@link #withBaseEnv}), and in the agent's environment file, which its requests
   * read. Both are rewritten at its next start.
   */
  void setEnvironment(String id, Map<String, String> env) {
    SandboxDirs d = dirs.apply(id);
    // an attached agent means a mounted root filesystem (it is closed before the unmount); the mount table is read only without one
    Agent a = agents.get(id);
    if (a == null && !RootFs.mounted(d)) {
      throw new dev.warren.runtime.SandboxRuntimeException("cannot set the environment of sandbox " + id + ": it is not running");
    }
    java.nio.file.Path config = d.bundle().resolve("config.json");
    try {
      tools.jackson.databind.node.ObjectNode root = (tools.jackson.databind.node.ObjectNode) JSON.readTree(Files.readString(config));
      tools.jackson.databind.node.ArrayNode pairs = ((tools.jackson.databind.node.ObjectNode) root.path("process")).putArray("env");
      new java.util.TreeMap<>(env).forEach((k, v) -> pairs.add(k + "=" + v));
      // the file exists: written in place, it keeps its owner and mode (0600: it holds the caller's environment)
      Files.writeString(config, JSON.writeValueAsString(root), java.nio.file.StandardOpenOption.TRUNCATE_EXISTING,
          java.nio.file.StandardOpenOption.WRITE);
    } catch (IOException | RuntimeException e) {
      throw new dev.warren.runtime.SandboxRuntimeException("cannot set the environment of sandbox " + id + " in " + config + ": " + e.getMessage(), e);
    }
    if (a == null) {
      long uid = rootUid.applyAsLong(id);
      a = agents.computeIfAbsent(id, k -> Agent.attach(k, d.rootfs(), uid, watch.get(), execs::killSession, false));
    }
    a.setEnvironment(env);
  }

  /** crun exec replaces the environment when given any variable, so give it the sandbox's too. */
  private ExecSpec withBaseEnv(String id, ExecSpec spec) {
    Map<String, String> env = new LinkedHashMap<>();
    try {
      JsonNode config = JSON.readTree(Files.readString(dirs.apply(id).bundle().resolve("config.json")));
      for (JsonNode kv : config.path("process").path("env")) {
        String s = kv.asString();
        int eq = s.indexOf('=');
        if (eq > 0) {
          env.put(s.substring(0, eq), s.substring(eq + 1));
        }
      }
    } catch (IOException | RuntimeException e) {
      log.debug("no config.json for {}: {}", id, e.toString());
    }
    env.putAll(spec.env());
    return new ExecSpec(spec.argv(), env, spec.cwd(), spec.stdin(), spec.timeout(), spec.maxOutputBytes());
  }
}
