package dev.warren.client;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A snapshot of a sandbox as the server reported it. Immutable; re-read with
 * {@link Sandbox#refresh()}.
 *
 * @param stateReason why the sandbox is {@code failed} (or stopped by the idle policy), if known
 * @param imageDigest content digest of the golden image, e.g. {@code sha256:…}
 * @param generation bumped on every start; a restart gives a new generation
 * @param address the sandbox's address on the Warren bridge, empty while it has none
 * @param egress the policy, with any upstream proxy password shown as {@code ***}
 * @param idleTimeout empty when the sandbox is never stopped for being idle
 * @param volumes the volumes mounted into it, where and how (empty from servers before volumes)
 * @param pooled on a create's answer, whether the sandbox was handed out from the server's warm pool
 *     ({@code WARREN_SANDBOX_POOL}) rather than booted for the call; {@code false} everywhere else
 * @param runtime what it runs on ({@code crun}, {@code microvm}); empty from servers before runtimes per sandbox
 * @param accel for a virtual machine, how its guest executes: {@code kvm} or {@code tcg} (emulated); empty for containers
 */
public record SandboxInfo(
    String id,
    SandboxState state,
    Optional<String> stateReason,
    String image,
    Optional<String> imageDigest,
    long generation,
    Optional<String> address,
    Map<String, String> env,
    Map<String, String> labels,
    Limits limits,
    EgressPolicy egress,
    Optional<Duration> idleTimeout,
    Instant createdAt,
    Optional<Instant> startedAt,
    Optional<Instant> stoppedAt,
    Optional<Instant> lastActivityAt,
    List<VolumeMount> volumes,
    boolean pooled,
    Optional<String> runtime,
    Optional<String> accel) {

  public SandboxInfo {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(state, "state");
    Objects.requireNonNull(stateReason, "stateReason");
    Objects.requireNonNull(image, "image");
    Objects.requireNonNull(imageDigest, "imageDigest");
    Objects.requireNonNull(address, "address");
    env = Map.copyOf(Objects.requireNonNull(env, "env"));
    labels = Map.copyOf(Objects.requireNonNull(labels, "labels"));
    Objects.requireNonNull(limits, "limits");
    Objects.requireNonNull(egress, "egress");
    Objects.requireNonNull(idleTimeout, "idleTimeout");
    Objects.requireNonNull(createdAt, "createdAt");
    Objects.requireNonNull(startedAt, "startedAt");
    Objects.requireNonNull(stoppedAt, "stoppedAt");
    Objects.requireNonNull(lastActivityAt, "lastActivityAt");
    volumes = List.copyOf(Objects.requireNonNull(volumes, "volumes"));
    Objects.requireNonNull(runtime, "runtime");
    Objects.requireNonNull(accel, "accel");
  }

  /** A sandbox of a server before runtimes per sandbox (the record as it was then). */
  public SandboxInfo(String id, SandboxState state, Optional<String> stateReason, String image, Optional<String> imageDigest, long generation,
      Optional<String> address, Map<String, String> env, Map<String, String> labels, Limits limits, EgressPolicy egress,
      Optional<Duration> idleTimeout, Instant createdAt, Optional<Instant> startedAt, Optional<Instant> stoppedAt,
      Optional<Instant> lastActivityAt, List<VolumeMount> volumes, boolean pooled) {
    this(id, state, stateReason, image, imageDigest, generation, address, env, labels, limits, egress, idleTimeout, createdAt, startedAt,
        stoppedAt, lastActivityAt, volumes, pooled, Optional.empty(), Optional.empty());
  }

  /** A sandbox not handed out from the pool (the record as it was before the warm pool). */
  public SandboxInfo(String id, SandboxState state, Optional<String> stateReason, String image, Optional<String> imageDigest, long generation,
      Optional<String> address, Map<String, String> env, Map<String, String> labels, Limits limits, EgressPolicy egress,
      Optional<Duration> idleTimeout, Instant createdAt, Optional<Instant> startedAt, Optional<Instant> stoppedAt,
      Optional<Instant> lastActivityAt, List<VolumeMount> volumes) {
    this(id, state, stateReason, image, imageDigest, generation, address, env, labels, limits, egress, idleTimeout, createdAt, startedAt,
        stoppedAt, lastActivityAt, volumes, false);
  }

  /** A sandbox without volumes (the record as it was before volumes). */
  public SandboxInfo(String id, SandboxState state, Optional<String> stateReason, String image, Optional<String> imageDigest, long generation,
      Optional<String> address, Map<String, String> env, Map<String, String> labels, Limits limits, EgressPolicy egress,
      Optional<Duration> idleTimeout, Instant createdAt, Optional<Instant> startedAt, Optional<Instant> stoppedAt,
      Optional<Instant> lastActivityAt) {
    this(id, state, stateReason, image, imageDigest, generation, address, env, labels, limits, egress, idleTimeout, createdAt, startedAt,
        stoppedAt, lastActivityAt, List.of());
  }

  /** Whether the sandbox is {@link SandboxState#RUNNING}. */
  public boolean isRunning() {
    return state == SandboxState.RUNNING;
  }
}
