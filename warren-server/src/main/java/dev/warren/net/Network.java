package dev.warren.net;

import dev.warren.host.Instance;
import java.net.Inet4Address;
import java.util.Set;

/**
 * The warren bridge and each sandbox's network namespace: one veth per sandbox on an isolated
 * bridge port, one address from the instance's subnet, no default route, no forwarding, and an
 * nftables table that lets sandboxes reach only the egress proxy on the bridge address.
 *
 * <p>Thread-safe. {@link #init()} is idempotent; nothing here is undone by {@code close()}, since
 * running sandboxes keep their network while the controller is down.
 */
public interface Network extends AutoCloseable {

  static Network bridge(Instance instance, int proxyPort) {
    return new BridgeNetwork(instance, proxyPort);
  }

  /** Creates or checks the bridge, its address, sysctls and firewall; once made, later calls (each runtime's) return at once. */
  void init();

  /** The bridge's own address: the sandboxes' only reachable neighbour, where the proxy listens. */
  Inet4Address gateway();

  int prefixLength();

  /** The address of the sandbox in slot {@code slot}. */
  Inet4Address address(int slot);

  /**
   * Pins the network namespace of process {@code pid} under a labelled name, wires a veth from
   * the bridge into it and gives it {@code address}.
   */
  void attach(String sandboxId, int slot, long pid, Inet4Address address);

  /** Removes the sandbox's veth, namespace name and firewall entry; idempotent. */
  void detach(String sandboxId, int slot, Inet4Address address);

  /** Sandbox ids whose network namespace is pinned by this instance. */
  Set<String> attached();

  /** Host-side name of the sandbox's veth. */
  String vethName(int slot);

  String netnsName(String sandboxId);

  /** Where the sandbox's network namespace is pinned while it runs (for setns). */
  java.nio.file.Path netnsPath(String sandboxId);

  /** Removes the bridge and the firewall tables (teardown; no sandbox may still be attached). */
  void remove();

  @Override
  default void close() {}
}
