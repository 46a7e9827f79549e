package dev.warren.runtime;

import dev.warren.image.Image;
import java.net.Inet4Address;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Everything the runtime needs to boot one generation of a sandbox. Per-sandbox configuration is
 * injected here, at start, and never written into the image.
 *
 * @param slot the sandbox's index in this instance, unique while it exists: its address derives
 *     from it, and the runtime may allot by it what it needs (a uid range, an interface name)
 * @param env the full environment of the sandbox's processes (caller env, Warren's variables, proxy)
 * @param lowers the read-only layers of its root filesystem, top first: the image's rootfs alone, or
 *     a snapshot's layers over it (see {@link SandboxRuntime#captureLayer})
 * @param volumes the volumes mounted into it, in the order given at create
 */
public record StartSpec(
    String id, Image image, int slot, Inet4Address address, long generation, Map<String, String> env, Limits limits,
    List<Lower> lowers, List<VolumeMount> volumes) {
  public StartSpec {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(image, "image");
    Objects.requireNonNull(address, "address");
    Objects.requireNonNull(limits, "limits");
    env = Map.copyOf(env);
    lowers = List.copyOf(lowers);
    if (lowers.isEmpty()) {
      throw new IllegalArgumentException("a root filesystem needs at least one lower layer");
    }
    volumes = List.copyOf(volumes);
  }

  /** A sandbox whose root filesystem is its image alone, without volumes. */
  public StartSpec(String id, Image image, int slot, Inet4Address address, long generation, Map<String, String> env, Limits limits) {
    this(id, image, slot, address, generation, env, limits, List.of(Lower.tree(image.rootfs())), List.of());
  }
}
