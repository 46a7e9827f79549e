package dev.warren.client;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What to create: image (or snapshot), environment, labels, limits, egress policy, volumes and idle policy. Every part
 * is optional; the server fills in defaults (image {@code base}, no egress). Build one with
 * {@link #builder()}; the record itself is immutable and validated.
 *
 * @param idleTimeout stop the sandbox after this long without activity; whole seconds, at least 1 s
 * @param snapshot the snapshot (id or name) whose files the sandbox starts from; its image is the snapshot's
 * @param volumes volumes mounted into it, in order; each volume and each path once
 * @param idleAction what the idle timeout does to it: stop (the server's default, {@code WARREN_IDLE_ACTION}) or pause
 * @param pausedTimeout stop it once it has stayed paused this long (whole seconds; zero: never); the server's default otherwise
 * @param runtime what it runs on: {@code crun} (a container) or {@code microvm} (a QEMU virtual machine with its own
 *     kernel); the server's {@code WARREN_RUNTIME} otherwise
 */
public record SandboxSpec(
    Optional<String> image,
    Map<String, String> env,
    Map<String, String> labels,
    Limits limits,
    EgressPolicy egress,
    Optional<Duration> idleTimeout,
    Optional<String> snapshot,
    List<VolumeMount> volumes,
    Optional<IdleAction> idleAction,
    Optional<Duration> pausedTimeout,
    Optional<String> runtime) {

  public SandboxSpec {
    Objects.requireNonNull(image, "image");
    image.ifPresent(i -> {
      if (i.isBlank()) throw new IllegalArgumentException("image must not be blank");
    });
    env = checkedMap("env", env);
    env.keySet().forEach(k -> {
      if (k.indexOf('=') >= 0) throw new IllegalArgumentException("env name must not contain '=', got " + k);
    });
    labels = checkedMap("labels", labels);
    Objects.requireNonNull(limits, "limits");
    Objects.requireNonNull(egress, "egress");
    Objects.requireNonNull(idleTimeout, "idleTimeout");
    Objects.requireNonNull(snapshot, "snapshot");
    snapshot.ifPresent(HttpSnapshots::ref);
    idleTimeout.ifPresent(d -> {
      if (d.compareTo(Duration.ofSeconds(1)) < 0 || d.toNanosPart() != 0) {
        throw new IllegalArgumentException("idleTimeout must be whole seconds and at least 1 s, got " + d);
      }
    });
    Objects.requireNonNull(idleAction, "idleAction");
    Objects.requireNonNull(pausedTimeout, "pausedTimeout");
    pausedTimeout.ifPresent(d -> {
      if (d.isNegative() || d.toNanosPart() != 0) {
        throw new IllegalArgumentException("pausedTimeout must be whole seconds and not negative, got " + d);
      }
    });
    Objects.requireNonNull(runtime, "runtime");
    runtime.ifPresent(r -> {
      if (r.isBlank()) throw new IllegalArgumentException("runtime must not be blank");
    });
    volumes = List.copyOf(Objects.requireNonNull(volumes, "volumes"));
    if (volumes.stream().map(VolumeMount::name).distinct().count() < volumes.size()
        || volumes.stream().map(VolumeMount::path).distinct().count() < volumes.size()) {
      throw new IllegalArgumentException("each volume and each path may be given once, got " + volumes);
    }
  }

  /** A spec on the server's default runtime (the record as it was before runtimes were chosen per sandbox). */
  public SandboxSpec(Optional<String> image, Map<String, String> env, Map<String, String> labels, Limits limits, EgressPolicy egress,
      Optional<Duration> idleTimeout, Optional<String> snapshot, List<VolumeMount> volumes, Optional<IdleAction> idleAction,
      Optional<Duration> pausedTimeout) {
    this(image, env, labels, limits, egress, idleTimeout, snapshot, volumes, idleAction, pausedTimeout, Optional.empty());
  }

  /** A spec from its image alone: no snapshot, no volumes, the server's idle action and paused timeout. */
  public SandboxSpec(Optional<String> image, Map<String, String> env, Map<String, String> labels, Limits limits, EgressPolicy egress,
      Optional<Duration> idleTimeout) {
    this(image, env, labels, limits, egress, idleTimeout, Optional.empty(), List.of(), Optional.empty(), Optional.empty());
  }

  /** What the idle timeout does to a sandbox (docs/api.md, "Pause and resume"). */
  public enum IdleAction {
    /** Its processes end; its files stay (the server's default unless {@code WARREN_IDLE_ACTION} says otherwise). */
    STOP,
    /** Its processes are frozen in memory; the next call resumes them. */
    PAUSE;

    /** As the API spells it. */
    public String wire() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  /** A spec with every default. */
  public static SandboxSpec defaults() {
    return builder().build();
  }

  public static Builder builder() {
    return new Builder();
  }

  private static Map<String, String> checkedMap(String what, Map<String, String> map) {
    Objects.requireNonNull(map, what);
    map.forEach((k, v) -> {
      if (k == null || k.isBlank()) throw new IllegalArgumentException(what + " names must not be blank");
      if (v == null) throw new IllegalArgumentException(what + " value for " + k + " must not be null");
    });
    return Map.copyOf(map);
  }

  /** Collects a {@link SandboxSpec}; not thread-safe, use one per spec. */
  public static final class Builder {
    private String image;
    private String snapshot;
    private final Map<String, String> env = new LinkedHashMap<>();
    private final Map<String, String> labels = new LinkedHashMap<>();
    private Limits limits = Limits.DEFAULT;
    private final List<String> allow = new ArrayList<>();
    private String upstreamProxy;
    private final List<String> reach = new ArrayList<>();
    private Duration idleTimeout;
    private final List<VolumeMount> volumes = new ArrayList<>();
    private IdleAction idleAction;
    private Duration pausedTimeout;
    private String runtime;

    private Builder() {}

    /** Golden image name, e.g. {@code base} or {@code browser}. */
    public Builder image(String image) {
      this.image = Objects.requireNonNull(image, "image");
      return this;
    }

    public Builder env(String name, String value) {
      env.put(Objects.requireNonNull(name, "name"), Objects.requireNonNull(value, "value"));
      return this;
    }

    public Builder env(Map<String, String> vars) {
      Objects.requireNonNull(vars, "vars").forEach(this::env);
      return this;
    }

    public Builder label(String key, String value) {
      labels.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value"));
      return this;
    }

    public Builder labels(Map<String, String> labels) {
      Objects.requireNonNull(labels, "labels").forEach(this::label);
      return this;
    }

    public Builder limits(Limits limits) {
      this.limits = Objects.requireNonNull(limits, "limits");
      return this;
    }

    public Builder memoryMb(int memoryMb) {
      limits = limits.withMemoryMb(memoryMb);
      return this;
    }

    public Builder pids(int pids) {
      limits = limits.withPids(pids);
      return this;
    }

    public Builder cpus(double cpus) {
      limits = limits.withCpus(cpus);
      return this;
    }

    /** Size of the sandbox's own disk in MiB; the server's default ({@code WARREN_DEFAULT_DISK_MB}) otherwise. */
    public Builder diskMb(int diskMb) {
      limits = limits.withDiskMb(diskMb);
      return this;
    }

    /** Files and directories the sandbox's disk holds at most; one per 16 KiB of its size otherwise. */
    public Builder diskInodes(long diskInodes) {
      limits = limits.withDiskInodes(diskInodes);
      return this;
    }

    /** Adds host patterns the sandbox may reach, e.g. {@code example.com:443}. */
    public Builder allowEgress(String... patterns) {
      for (String p : Objects.requireNonNull(patterns, "patterns")) allow.add(Objects.requireNonNull(p, "pattern"));
      return this;
    }

    /** Forward allowed traffic through this proxy; credentials stay outside the sandbox. */
    public Builder upstreamProxy(String url) {
      this.upstreamProxy = Objects.requireNonNull(url, "url");
      return this;
    }

    /**
     * Adds other sandboxes whose apps the sandbox may open, {@code sbx_…:3000} (one port) or
     * {@code sbx_…} (every port), at {@code http://sbx_…:3000/} or the sandbox's address; see
     * {@link EgressPolicy}.
     */
    public Builder reach(String... sandboxes) {
      for (String r : Objects.requireNonNull(sandboxes, "sandboxes")) reach.add(Objects.requireNonNull(r, "sandbox"));
      return this;
    }

    /** Starts from the files of this snapshot (id or name) instead of the image's alone. */
    public Builder snapshot(String snapshot) {
      this.snapshot = HttpSnapshots.ref(snapshot);
      return this;
    }

    public Builder idleTimeout(Duration idleTimeout) {
      this.idleTimeout = Objects.requireNonNull(idleTimeout, "idleTimeout");
      return this;
    }

    /** What the idle timeout does: {@link IdleAction#PAUSE} keeps its memory and sessions, and the next call resumes it. */
    public Builder idleAction(IdleAction idleAction) {
      this.idleAction = Objects.requireNonNull(idleAction, "idleAction");
      return this;
    }

    /** Stops the sandbox once it has stayed paused this long, freeing its memory ({@link Duration#ZERO}: never). */
    public Builder pausedTimeout(Duration pausedTimeout) {
      this.pausedTimeout = Objects.requireNonNull(pausedTimeout, "pausedTimeout");
      return this;
    }

    /**
     * Runs it on this runtime: {@code "crun"} (a container) or {@code "microvm"} (a virtual machine with its own kernel,
     * where the server has QEMU and the guest kernel; else the create answers 503 saying what is missing).
     */
    public Builder runtime(String runtime) {
      this.runtime = Objects.requireNonNull(runtime, "runtime");
      return this;
    }

    /** Mounts the volume {@code name} at {@code path}, read-write (one sandbox at a time) or read-only. */
    public Builder volume(String name, String path, boolean readOnly) {
      volumes.add(new VolumeMount(name, path, readOnly));
      return this;
    }

    public SandboxSpec build() {
      return new SandboxSpec(Optional.ofNullable(image), env, labels, limits,
          new EgressPolicy(allow, Optional.ofNullable(upstreamProxy), reach), Optional.ofNullable(idleTimeout), Optional.ofNullable(snapshot),
          volumes, Optional.ofNullable(idleAction), Optional.ofNullable(pausedTimeout), Optional.ofNullable(runtime));
    }
  }
}
