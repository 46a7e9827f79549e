package dev.warren.bench;

import dev.warren.host.Syscalls;
import dev.warren.host.Tool;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Plain crun on the same golden image, as the floor Warren is measured against: an overlay whose
 * lower layer is the image's rootfs directory itself (no idmap, no user namespace), the config
 * {@code crun spec} writes with only the process, root and cgroup path changed (its own empty
 * network namespace, no veth), {@code crun run --detach}, {@code crun exec <id> true},
 * {@code crun delete --force}, unmount.
 *
 * <p>Like Warren, crun runs in a private mount namespace whose /sys/fs/cgroup hides the empty
 * cgroup2 hierarchy (hybrid hosts only); the containers' directory is a shared mount made before
 * it, so overlays mounted here reach crun. Everything lives under {@code dir}, with crun's own
 * {@code --root} and cgroups under {@code /warren-bench/}; {@link #close()} removes it all.
 * One iteration at a time; not thread-safe, except that {@link #close()} may come from the
 * shutdown hook (the set of paused containers, which it thaws before deleting them, is concurrent).
 */
final class CrunFloor implements AutoCloseable {
  static final String CGROUP_PARENT = "warren-bench";
  private static final Duration T = Duration.ofSeconds(60);
  private static final JsonMapper JSON = JsonMapper.builder().build();

  private final Path dir;
  private final Path containers;
  private final Path run;
  private final Path crunRoot;
  private final Path image;
  private final boolean hybrid;
  private final Set<String> paused = ConcurrentHashMap.newKeySet();
  private ObjectNode template;
  private boolean closed;

  private CrunFloor(Path dir, Path image) {
    this.dir = dir;
    this.containers = dir.resolve("c");
    this.run = dir.resolve("run");
    this.crunRoot = run.resolve("crun");
    this.image = image;
    this.hybrid = FloorNamespace.hybridCgroups();
  }

  /** Timings of one iteration, in nanoseconds. */
  record Iteration(long createNanos, long execNanos, long deleteNanos) {}

  static CrunFloor open(Path dir, Path image) {
    CrunFloor f = new CrunFloor(dir, image);
    try {
      Files.createDirectories(f.containers);
      Files.createDirectories(f.crunRoot);
      if (f.hybrid) {
        FloorNamespace.create(f.containers, f.run);
      }
      Path specDir = Files.createTempDirectory(dir, "spec");
      Tool.run(List.of("crun", "spec"), null, T, Optional.of(specDir)).orThrow();
      f.template = (ObjectNode) JSON.readTree(Files.readString(specDir.resolve("config.json")));
      Files.delete(specDir.resolve("config.json"));
      Files.delete(specDir);
      return f;
    } catch (IOException | RuntimeException e) {
      try {
        f.close();
      } catch (RuntimeException cleanup) {
        e.addSuppressed(cleanup);
      }
      throw e instanceof IOException io ? new UncheckedIOException(io) : (RuntimeException) e;
    }
  }

  /** Mount, configure, run, exec {@code true}, delete, unmount; cleans up after itself on failure. */
  Iteration iterate(String id) {
    try {
      long t0 = System.nanoTime();
      start(id, OptionalDouble.empty());
      long t1 = System.nanoTime();
      exec(id, List.of("true"));
      long t2 = System.nanoTime();
      remove(id);
      long t3 = System.nanoTime();
      return new Iteration(t1 - t0, t2 - t1, t3 - t2);
    } catch (RuntimeException e) {
      IllegalStateException failure = new IllegalStateException("plain crun iteration " + id + ": " + e.getMessage(), e);
      try {
        remove(id);
      } catch (RuntimeException cleanup) {
        failure.addSuppressed(cleanup);
      }
      throw failure;
    }
  }

  /**
   * Mounts the overlay, writes the config and runs container {@code id} detached, with a CFS quota of
   * {@code cpus} cores when given (else {@code crun spec}'s defaults: no limit); {@link #remove} takes
   * it down again, as does {@link #close()}.
   */
  void start(String id, OptionalDouble cpus) {
    Path c = containers.resolve(id);
    Path rootfs = c.resolve("rootfs");
    Path bundle = c.resolve("bundle");
    try {
      for (String d : List.of("upper", "work", "rootfs", "bundle")) {
        Files.createDirectories(c.resolve(d));
      }
      Syscalls.mount("warren-bench-" + id, rootfs.toString(), "overlay", 0,
          "lowerdir=" + image + ",upperdir=" + c.resolve("upper") + ",workdir=" + c.resolve("work"));
      Files.writeString(bundle.resolve("config.json"), config(id, rootfs, cpus));
      Process p = new ProcessBuilder(crun(List.of("run", "--detach", "--bundle", bundle.toString(), id)))
          .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
          .redirectOutput(ProcessBuilder.Redirect.appendTo(bundle.resolve("crun.log").toFile()))
          .redirectErrorStream(true).start();
      if (!p.waitFor(T.toMillis(), TimeUnit.MILLISECONDS) || p.exitValue() != 0) {
        p.destroyForcibly();
        throw new IllegalStateException("crun run " + id + " failed: " + Files.readString(bundle.resolve("crun.log")).strip());
      }
    } catch (IOException e) {
      throw new UncheckedIOException("starting plain crun container " + id, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while starting plain crun container " + id, e);
    }
  }

  /** {@code crun exec <id> argv…}, to its end; throws with its stderr when it fails. */
  void exec(String id, List<String> argv) {
    List<String> args = new ArrayList<>(List.of("exec", id));
    args.addAll(argv);
    Tool.run(crun(args), T).orThrow();
  }

  /** {@code crun pause <id>}: freezes the container's cgroup. {@link #remove} resumes it before deleting it. */
  void pause(String id) {
    paused.add(id);
    Tool.run(crun(List.of("pause", id)), T).orThrow();
  }

  /** {@code crun resume <id>}. */
  void resume(String id) {
    Tool.run(crun(List.of("resume", id)), T).orThrow();
    paused.remove(id);
  }

  /** The host pids of the container's processes ({@code crun ps}). */
  List<Long> pids(String id) {
    List<Long> out = new ArrayList<>();
    JSON.readTree(Tool.run(crun(List.of("ps", "--format", "json", id)), T).orThrow().stdout()).forEach(n -> out.add(n.asLong()));
    return out;
  }

  private String config(String id, Path rootfs, OptionalDouble cpus) {
    ObjectNode spec = template.deepCopy();
    ObjectNode process = (ObjectNode) spec.get("process");
    process.put("terminal", false);
    process.putArray("args").add("/usr/bin/tini").add("-s").add("--").add("/bin/sleep").add("infinity");
    ((ObjectNode) spec.get("root")).put("path", rootfs.toString()).put("readonly", false);
    spec.put("hostname", id);
    ObjectNode linux = (ObjectNode) spec.get("linux");
    linux.put("cgroupsPath", "/" + CGROUP_PARENT + "/" + id);
    if (cpus.isPresent()) {
      long period = 100_000;
      ObjectNode resources = linux.has("resources") ? (ObjectNode) linux.get("resources") : linux.putObject("resources");
      resources.putObject("cpu").put("period", period).put("quota", Math.round(cpus.getAsDouble() * period));
    }
    return JSON.writeValueAsString(spec);
  }

  /** Deletes the container (thawed first if paused), unmounts its rootfs and removes its directory; each step tolerates "already gone". */
  void remove(String id) {
    if (paused.remove(id) && Files.exists(crunRoot.resolve(id))) {
      // a kill is not delivered to a frozen process: thaw it so that delete --force ends it
      Tool.run(crun(List.of("resume", id)), T);
    }
    if (Files.exists(crunRoot.resolve(id))) {
      Tool.run(crun(List.of("delete", "--force", id)), T).orThrow();
    }
    Path rootfs = containers.resolve(id).resolve("rootfs");
    while (FloorNamespace.isMountPoint(rootfs)) {
      Syscalls.umount(rootfs.toString(), Syscalls.MNT_DETACH);
    }
    deleteTree(containers.resolve(id));
  }

  private List<String> crun(List<String> args) {
    List<String> argv = new ArrayList<>(hybrid ? List.of("nsenter", "--mount=" + FloorNamespace.nsFile(run), "--") : List.of());
    argv.addAll(List.of("crun", "--root", crunRoot.toString()));
    argv.addAll(args);
    return argv;
  }

  HostCensus census() {
    return HostCensus.take(new HostCensus.Scope(dir.toString(), hybrid ? Optional.of(FloorNamespace.nsFile(run)) : Optional.empty(),
        Optional.empty(), Optional.empty(), CGROUP_PARENT, crunRoot, containers));
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    RuntimeException failure = null;
    if (Files.isDirectory(crunRoot)) {
      for (JsonNode c : listContainers()) {
        try {
          remove(c.path("id").asString());
        } catch (RuntimeException e) {
          failure = failure == null ? e : failure;
        }
      }
    }
    try {
      for (String id : Files.isDirectory(containers) ? names(containers) : List.<String>of()) {
        remove(id);
      }
      FloorNamespace.remove(containers, run);
      FloorNamespace.removeCgroupParents(CGROUP_PARENT);
      deleteTree(dir);
    } catch (RuntimeException e) {
      if (failure != null) {
        e.addSuppressed(failure);
      }
      throw e;
    }
    if (failure != null) {
      throw failure;
    }
  }

  private List<JsonNode> listContainers() {
    Tool.Result r = Tool.run(crun(List.of("list", "--format", "json")), T);
    List<JsonNode> out = new ArrayList<>();
    if (r.ok() && !r.stdout().isBlank()) {
      JSON.readTree(r.stdout()).forEach(out::add);
    }
    return out;
  }

  private static List<String> names(Path d) {
    try (Stream<Path> s = Files.list(d)) {
      return s.map(p -> p.getFileName().toString()).toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static void deleteTree(Path root) {
    if (!Files.exists(root)) {
      return;
    }
    if (FloorNamespace.mountedUnder(root)) {
      throw new IllegalStateException("refusing to delete " + root + ": something is still mounted inside it");
    }
    try (Stream<Path> s = Files.walk(root)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete " + root, e);
    }
  }
}
