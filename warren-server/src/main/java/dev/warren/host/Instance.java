package dev.warren.host;

import dev.warren.config.Cidr;
import java.util.Objects;

/**
 * This controller's identity on the host: a number claimed in the host-wide registry, from which
 * every host resource's name derives ({@code warren<n>} bridge, {@code /run/warren/<n>}, cgroup
 * {@code /warren/<n>}) along with a subnet and a uid window no other instance uses.
 *
 * @param uidBase first host uid of the window the runtime divides among its sandboxes
 */
public record Instance(int number, String name, String bridge, Cidr subnet, long uidBase, int slots) {
  public static final int UIDS_PER_SANDBOX = 65536;

  public Instance {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(bridge, "bridge");
    Objects.requireNonNull(subnet, "subnet");
  }

  /** Short prefix for interface names: {@code w<n>}. */
  public String ifPrefix() {
    return "w" + number;
  }
}
