package dev.warren.sandbox;

import dev.warren.error.WarrenException;
import dev.warren.net.EgressPolicy;
import dev.warren.runtime.Limits;
import java.time.Duration;
import dev.warren.runtime.VolumeMount;
import dev.warren.volume.VolumePaths;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * What a caller asked for when creating a sandbox, validated. Environment names are POSIX names;
 * names starting with {@code WARREN_} are reserved. Labels are short {@code k=v} strings for filters.
 *
 * @param desktop a virtual display with a VNC server, started with the sandbox (the image must have
 *     Xvfb and x11vnc)
 * @param idleAction what happens once it is idle for {@code idleTimeout}: stopped or paused
 * @param pausedTimeout a paused sandbox idle this long is stopped, freeing its memory (zero: never)
 * @param snapshot the snapshot (id, or name as the caller gave it) whose files it starts from, over its image
 * @param volumes the volumes mounted into it, checked by {@link VolumePaths} (the volumes' existence and
 *     their one writer are checked when its row is written)
 * @param runtime the runtime it runs on ({@code crun}, {@code microvm}); empty: the controller's
 *     {@code WARREN_RUNTIME}, which a create records in its row (a stored sandbox always names its own)
 */
public record SandboxSpec(
    String image, Map<String, String> env, Map<String, String> labels, Limits limits, EgressPolicy egress, Duration idleTimeout,
    Optional<Desktop> desktop, IdleAction idleAction, Duration pausedTimeout, Optional<String> snapshot, List<VolumeMount> volumes,
    Optional<String> runtime) {

  private static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
  private static final Pattern LABEL_KEY = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._/-]{0,127}");
  /** A recipe name, or a user image's {@code name[:tag]} ({@link dev.warren.image.ImageRef} checks it fully). */
  private static final Pattern IMAGE = Pattern.compile("[a-z0-9][a-z0-9._/-]{0,63}(?::[A-Za-z0-9_][A-Za-z0-9._-]{0,127})?");
  /** A snapshot id or name (names are {@code [A-Za-z0-9][A-Za-z0-9._-]{0,63}}). */
  private static final Pattern SNAPSHOT = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
  /** A runtime name as {@link dev.warren.runtime.Runtimes} knows them (which exist is checked at create). */
  private static final Pattern RUNTIME = Pattern.compile("[a-z][a-z0-9-]{0,31}");
  public static final Duration MAX_IDLE = Duration.ofDays(30);

  public SandboxSpec {
    Objects.requireNonNull(image, "image");
    Objects.requireNonNull(limits, "limits");
    Objects.requireNonNull(egress, "egress");
    Objects.requireNonNull(idleTimeout, "idleTimeout");
    Objects.requireNonNull(desktop, "desktop");
    Objects.requireNonNull(idleAction, "idleAction");
    Objects.requireNonNull(pausedTimeout, "pausedTimeout");
    Objects.requireNonNull(snapshot, "snapshot");
    Objects.requireNonNull(volumes, "volumes");
    Objects.requireNonNull(runtime, "runtime");
    if (runtime.isPresent() && !RUNTIME.matcher(runtime.get()).matches()) {
      throw WarrenException.invalid("runtime", "runtime must be one of " + String.join(", ", dev.warren.runtime.Runtimes.names()) + ", got '"
          + runtime.get().substring(0, Math.min(80, runtime.get().length())) + "'");
    }
    if (!IMAGE.matcher(image).matches() || image.length() > dev.warren.image.ImageRef.MAX_LENGTH) {
      throw WarrenException.invalid("image", "image must be a recipe name like 'base' or an image name like 'myimage:1.0' (at most "
          + dev.warren.image.ImageRef.MAX_LENGTH + " characters), got '" + image.substring(0, Math.min(80, image.length())) + "'");
    }
    env = new TreeMap<>(env);
    labels = new TreeMap<>(labels);
    if (env.size() > 512) {
      throw WarrenException.invalid("env", "at most 512 environment variables, got " + env.size());
    }
    for (var e : env.entrySet()) {
      validateEnv("env", e.getKey(), e.getValue());
    }
    checkLabels(labels);
    if (idleTimeout.isNegative() || idleTimeout.compareTo(MAX_IDLE) > 0) {
      throw WarrenException.invalid("idleTimeoutSeconds", "idleTimeoutSeconds must be between 0 (never) and " + MAX_IDLE.toSeconds() + ", got " + idleTimeout.toSeconds());
    }
    if (pausedTimeout.isNegative() || pausedTimeout.compareTo(MAX_IDLE) > 0) {
      throw WarrenException.invalid("pausedTimeoutSeconds", "pausedTimeoutSeconds must be between 0 (never) and " + MAX_IDLE.toSeconds()
          + ", got " + pausedTimeout.toSeconds());
    }
    if (snapshot.isPresent() && !SNAPSHOT.matcher(snapshot.get()).matches()) {
      throw WarrenException.invalid("snapshot", "snapshot must be a snapshot id (snap_…) or name, got '"
          + snapshot.get().substring(0, Math.min(80, snapshot.get().length())) + "'");
    }
    env = java.util.Collections.unmodifiableMap(env);
    labels = java.util.Collections.unmodifiableMap(labels);
    VolumePaths.check(volumes);
    volumes = VolumePaths.normalized(volumes);
  }

  /** A spec on the controller's default runtime. */
  public SandboxSpec(String image, Map<String, String> env, Map<String, String> labels, Limits limits, EgressPolicy egress,
      Duration idleTimeout, Optional<Desktop> desktop, IdleAction idleAction, Duration pausedTimeout, Optional<String> snapshot,
      List<VolumeMount> volumes) {
    this(image, env, labels, limits, egress, idleTimeout, desktop, idleAction, pausedTimeout, snapshot, volumes, Optional.empty());
  }

  /** A spec starting from its image alone, without volumes. */
  public SandboxSpec(String image, Map<String, String> env, Map<String, String> labels, Limits limits, EgressPolicy egress,
      Duration idleTimeout, Optional<Desktop> desktop, IdleAction idleAction, Duration pausedTimeout) {
    this(image, env, labels, limits, egress, idleTimeout, desktop, idleAction, pausedTimeout, Optional.empty(), List.of());
  }

  /** The same spec starting from the snapshot {@code snapshotId} (of this spec's image), with {@code labels} added. */
  public SandboxSpec fromSnapshot(String snapshotId, Map<String, String> moreLabels) {
    Map<String, String> all = new TreeMap<>(labels);
    all.putAll(moreLabels);
    return new SandboxSpec(image, env, all, limits, egress, idleTimeout, desktop, idleAction, pausedTimeout, Optional.of(snapshotId), volumes, runtime);
  }

  /** A spec stopped when idle, never stopped for being paused. */
  public SandboxSpec(String image, Map<String, String> env, Map<String, String> labels, Limits limits, EgressPolicy egress,
      Duration idleTimeout, Optional<Desktop> desktop) {
    this(image, env, labels, limits, egress, idleTimeout, desktop, IdleAction.STOP, Duration.ZERO);
  }

  /** A spec without a desktop, stopped when idle. */
  public SandboxSpec(String image, Map<String, String> env, Map<String, String> labels, Limits limits, EgressPolicy egress,
      Duration idleTimeout) {
    this(image, env, labels, limits, egress, idleTimeout, Optional.empty());
  }

  /** The same spec with {@code defaults} (an image's environment) under its own env. */
  public SandboxSpec withEnvDefaults(Map<String, String> defaults) {
    if (defaults.isEmpty()) {
      return this;
    }
    Map<String, String> all = new TreeMap<>(defaults);
    all.putAll(env);
    return new SandboxSpec(image, all, labels, limits, egress, idleTimeout, desktop, idleAction, pausedTimeout, snapshot, volumes, runtime);
  }

  /** The same spec with another egress policy. */
  public SandboxSpec withEgress(EgressPolicy egress) {
    return new SandboxSpec(image, env, labels, limits, egress, idleTimeout, desktop, idleAction, pausedTimeout, snapshot, volumes, runtime);
  }

  /** The same spec with these volumes instead of its own. */
  public SandboxSpec withVolumes(List<VolumeMount> volumes) {
    return new SandboxSpec(image, env, labels, limits, egress, idleTimeout, desktop, idleAction, pausedTimeout, snapshot, volumes, runtime);
  }

  /** The same spec on the runtime {@code name} (null: the controller's default). */
  public SandboxSpec withRuntime(String name) {
    return new SandboxSpec(image, env, labels, limits, egress, idleTimeout, desktop, idleAction, pausedTimeout, snapshot, volumes,
        Optional.ofNullable(name));
  }

  /** Refuses (400 naming the label) labels that are not short {@code k=v} strings: the rules of sandbox labels, also for snapshots'. */
  public static void checkLabels(Map<String, String> labels) {
    if (labels.size() > 64) {
      throw WarrenException.invalid("labels", "at most 64 labels, got " + labels.size());
    }
    for (var e : labels.entrySet()) {
      if (!LABEL_KEY.matcher(e.getKey()).matches()) {
        throw WarrenException.invalid("labels." + e.getKey(), "label names are 1-128 letters, digits, '.', '_', '-' or '/', got '" + e.getKey() + "'");
      }
      if (e.getValue() == null || e.getValue().length() > 256 || e.getValue().contains("\n")) {
        throw WarrenException.invalid("labels." + e.getKey(), "label values are single-line strings of at most 256 characters");
      }
    }
  }

  static void validateEnv(String field, String name, String value) {
    if (!ENV_NAME.matcher(name).matches()) {
      throw WarrenException.invalid(field + "." + name, "environment variable names are letters, digits and '_', not starting with a digit; got '" + name + "'");
    }
    if (name.startsWith("WARREN_")) {
      throw WarrenException.invalid(field + "." + name, "names starting with WARREN_ are reserved for Warren");
    }
    if (value == null) {
      throw WarrenException.invalid(field + "." + name, "environment values must be strings");
    }
    if (value.indexOf('\0') >= 0) {
      throw WarrenException.invalid(field + "." + name, "environment values must not contain NUL");
    }
    if (value.length() > 131072) {
      throw WarrenException.invalid(field + "." + name, "environment values are at most 128 KiB");
    }
  }
}
