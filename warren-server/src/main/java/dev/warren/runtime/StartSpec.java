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
 * @param volumes the volumes mounted into it, in the order given at create
 */
public record StartSpec(
    String id, Image image, int slot, Inet4Address address, long generation, Map<String, String> env, Limits limits,
    List<VolumeMount> volumes) {
  public StartSpec {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(image, "image");
    Objects.requireNonNull(address, "address");
    Objects.requireNonNull(limits, "limits");
    env = Map.copyOf(env);
    volumes = List.copyOf(volumes);
  }

  /** A spec without volumes. */
  public StartSpec(String id, Image image, int slot, Inet4Address address, long generation, Map<String, String> env, Limits limits) {
    this(id, image, slot, address, generation, env, limits, List.of());
  }
}
