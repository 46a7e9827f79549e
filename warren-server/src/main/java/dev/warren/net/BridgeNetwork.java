package dev.warren.net;

import dev.warren.config.Cidr;
import dev.warren.host.Instance;
import dev.warren.host.Tool;
import dev.warren.host.ToolException;
import java.io.IOException;
import java.net.Inet4Address;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

final class BridgeNetwork implements Network {
  private static final Logger log = LoggerFactory.getLogger(BridgeNetwork.class);
  private static final Duration TOOL_TIMEOUT = Duration.ofSeconds(20);
  private static final Path NETNS_DIR = Path.of("/run/netns");

  private final Instance instance;
  private final int proxyPort;
  private final Cidr subnet;
  /** Slots whose address bindings are loaded in nftables by {@link #bind}, this many at a time. */
  static final int BINDING_CHUNK = 256;
  /** The chunks of slots whose bindings this controller loaded. */
  private final Set<Integer> boundChunks = java.util.concurrent.ConcurrentHashMap.newKeySet();
  /** Set once {@link #init()} has made the network (every runtime of the instance asks for it); cleared by {@link #remove()}. */
  private volatile boolean ready;

  BridgeNetwork(Instance instance, int proxyPort) {
    this.instance = instance;
    this.proxyPort = proxyPort;
    this.subnet = instance.subnet();
    if (subnet.size() - 3 < instance.slots()) {
      throw new NetworkException("subnet " + subnet + " has room for " + (subnet.size() - 3) + " sandboxes but "
          + instance.slots() + " are allowed; widen WARREN_SUBNET or lower WARREN_MAX_SANDBOXES");
    }
  }

  @Override
  public Inet4Address gateway() {
    return subnet.inet(subnet.address(1));
  }

  @Override
  public int prefixLength() {
    return subnet.prefix();
  }

  @Override
  public Inet4Address address(int slot) {
    return subnet.inet(subnet.address(slot + 2L));
  }

  @Override
  public String vethName(int slot) {
    return instance.ifPrefix() + "v" + slot;
  }

  @Override
  public String netnsName(String sandboxId) {
    return instance.name() + "-" + sandboxId;
  }

  @Override
  public Path netnsPath(String sandboxId) {
    return NETNS_DIR.resolve(netnsName(sandboxId));
  }

  private String bridge() {
    return instance.bridge();
  }

  @Override
  public void init() {
    if (ready) {
      return;
    }
    requireTool("ip", "iproute2");
    requireTool("nft", "nftables");
    checkNoOverlap();
    Path dev = Path.of("/sys/class/net", bridge());
    String gw = Cidr.toDotted(subnet.address(1)) + "/" + subnet.prefix();
    if (!Files.exists(dev)) {
      ip(List.of("link", "add", bridge(), "type", "bridge"));
      ip(List.of("link", "set", bridge(), "alias", "warren:" + instance.name()));
    }
    // a bridge without a MAC of its own takes the lowest of its ports', so it changed whenever that
    // sandbox went, and the sandboxes' frames to the gateway's old MAC were lost until their ARP
    // entries expired (connections to new browsers stalled for seconds). What is already as it
    // should be is left alone: a restarted controller reads it instead of running ip for it.
    if (!sysfs(dev.resolve("address")).equalsIgnoreCase(mac(gateway()))) {
      ip(List.of("link", "set", bridge(), "address", mac(gateway())));
    }
    List<String> addrs = ipv4Addresses(bridge());
    if (!addrs.contains(gw)) {
      if (!addrs.isEmpty()) {
        throw new NetworkException("bridge " + bridge() + " exists with another address (" + String.join(", ", addrs)
            + "); expected " + gw + ". Delete it (ip link del " + bridge() + ") or set WARREN_BRIDGE/WARREN_SUBNET");
      }
      ip(List.of("addr", "add", gw, "dev", bridge()));
    }
    String flags = sysfs(dev.resolve("flags"));
    if (!flags.startsWith("0x") || (Long.parseLong(flags.substring(2), 16) & 1) == 0) {
      ip(List.of("link", "set", bridge(), "up"));
    }
    // Never route for sandboxes: even if the host forwards elsewhere, nothing entering the bridge is forwarded.
    sysctl("net/ipv4/conf/" + bridge() + "/forwarding", "0");
    sysctl("net/ipv6/conf/" + bridge() + "/disable_ipv6", "1");
    firewall();
    log.info("network {} ready: bridge {} at {}, proxy port {}", instance.name(), bridge(), gw, proxyPort);
    ready = true;
  }

  private void checkNoOverlap() {
    String routes;
    try {
      routes = Tool.check(List.of("ip", "-o", "-4", "route", "show", "table", "all"), TOOL_TIMEOUT).stdout();
    } catch (ToolException e) {
      throw new NetworkException("cannot list routes: " + e.getMessage(), e);
    }
    for (String line : routes.split("\n")) {
      String[] f = line.trim().split("\\s+");
      if (f.length < 3 || !f[0].contains("/") || line.contains(" dev " + bridge() + " ")) {
        continue;
      }
      try {
        Cidr other = Cidr.parse(f[0]);
        if (other.prefix() > 0 && other.overlaps(subnet)) {
          throw new NetworkException("subnet " + subnet + " of " + instance.name() + " overlaps the host route '" + line.trim()
              + "'; set WARREN_SUBNET to a free private range");
        }
      } catch (IllegalArgumentException ignored) {
        // not an IPv4 network route
      }
    }
  }

  private void firewall() {
    String t = instance.name();
    String br = bridge();
    String ports = instance.ifPrefix() + "v*";
    String rules = """
        table inet %1$s {}
        delete table inet %1$s
        table inet %1$s {
          chain input {
            type filter hook input priority -10; policy accept;
            iifname "%2$s" tcp dport %3$d accept
            iifname "%2$s" ct state established,related accept
            iifname "%2$s" drop
          }
          chain forward {
            type filter hook forward priority -10; policy accept;
            iifname "%2$s" drop
            oifname "%2$s" drop
          }
        }
        table bridge %1$s {}
        delete table bridge %1$s
        table bridge %1$s {
          set bound {
            type ifname . ipv4_addr
          }
          chain prerouting {
            type filter hook prerouting priority -10; policy accept;
            iifname "%4$s" ether type ip6 drop
            iifname "%4$s" ether type ip iifname . ip saddr != @bound drop
            iifname "%4$s" ether type arp iifname . arp saddr ip != @bound drop
          }
        }
        """.formatted(t, br, proxyPort, ports);
    // the bindings of the sandboxes that run while the controller restarts, in the same load
    StringBuilder all = new StringBuilder(rules);
    Set<Integer> chunks = new java.util.TreeSet<>();
    for (int slot : attachedSlots()) {
      chunks.add(slot / BINDING_CHUNK);
    }
    for (int chunk : chunks) {
      all.append(bindings(chunk));
    }
    nft(all.toString());
    boundChunks.addAll(chunks);
  }

  /**
   * The slots whose veth exists on the host ({@code <prefix>v<slot>}): sandboxes that ran on while
   * the controller was down.
   */
  private Set<Integer> attachedSlots() {
    Set<Integer> slots = new HashSet<>();
    String prefix = instance.ifPrefix() + "v";
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(Path.of("/sys/class/net"), prefix + "*")) {
      for (Path p : ds) {
        String n = p.getFileName().toString().substring(prefix.length());
        if (!n.isEmpty() && n.length() < 10 && n.chars().allMatch(c -> c >= '0' && c <= '9')) {
          slots.add(Integer.parseInt(n));
        }
      }
    } catch (IOException e) {
      throw new NetworkException("cannot list the host's network devices: " + e.getMessage(), e);
    }
    return slots;
  }

  /**
   * The nftables statement binding each slot of {@code chunk} to its address. A slot's veth name
   * and address are both derived from the slot, so a binding never changes: it is loaded once per
   * controller for a whole chunk of slots (one {@code nft} run for the first sandbox of the chunk,
   * none for the others), and stays when the sandbox goes (a binding whose veth does not exist
   * matches no frame).
   */
  private String bindings(int chunk) {
    int from = chunk * BINDING_CHUNK;
    int to = (int) Math.min((long) from + BINDING_CHUNK, subnet.size() - 3);
    StringBuilder b = new StringBuilder("add element bridge ").append(instance.name()).append(" bound { ");
    for (int slot = from; slot < to; slot++) {
      b.append(slot == from ? "" : ", ").append(binding(vethName(slot), address(slot).getHostAddress()));
    }
    return b.append(" }\n").toString();
  }

  /** One element of the set {@code bound}: frames on port {@code veth} may come from {@code address} only. */
  private static String binding(String veth, String address) {
    return '"' + veth + "\" . " + address;
  }

  /** Loads the bindings of {@code slot}'s chunk unless this controller did already. */
  private void bind(int slot) {
    int chunk = slot / BINDING_CHUNK;
    if (boundChunks.contains(chunk)) {
      return;
    }
    synchronized (boundChunks) {
      if (!boundChunks.contains(chunk)) {
        nft(bindings(chunk));
        boundChunks.add(chunk);
      }
    }
  }

  @Override
  public void attach(String sandboxId, int slot, long pid, Inet4Address address) {
    String ns = netnsName(sandboxId);
    String veth = vethName(slot);
    String addr = address.getHostAddress();
    String hostSide = String.join("\n",
        "netns attach " + ns + " " + pid,
        "link add " + veth + " type veth peer name eth0 netns " + ns,
        "link set " + veth + " alias warren:" + instance.name() + ":" + sandboxId,
        "link set " + veth + " master " + bridge(),
        "link set dev " + veth + " type bridge_slave isolated on learning on",
        "link set " + veth + " up") + "\n";
    String inside = String.join("\n",
        "link set eth0 address " + mac(address),
        "addr add " + addr + "/" + subnet.prefix() + " dev eth0",
        "link set eth0 up",
        "link set lo up") + "\n";
    try {
      batch(List.of("ip", "-batch", "-"), hostSide);
      batch(List.of("ip", "-n", ns, "-batch", "-"), inside);
      if (address.equals(address(slot))) {
        bind(slot);
      } else {
        nft("add element bridge " + instance.name() + " bound { " + binding(veth, addr) + " }\n");
      }
    } catch (RuntimeException e) {
      try {
        detach(sandboxId, slot, address);
      } catch (RuntimeException cleanup) {
        e.addSuppressed(cleanup);
      }
      throw new NetworkException("cannot wire the network of " + sandboxId + " (" + veth + ", " + addr + "): " + e.getMessage(), e);
    }
  }

  /**
   * The MAC of the sandbox at {@code address}, derived from it: addresses are reused as soon as a
   * sandbox is deleted, and the host keeps its neighbour entry (address to MAC) for up to a minute.
   * With a random MAC per sandbox, the next sandbox at that address was unreachable from the host
   * (its frames went to the old MAC) until the entry expired; with this one the entry stays right.
   */
  static String mac(Inet4Address address) {
    byte[] b = address.getAddress();
    return String.format("02:57:%02x:%02x:%02x:%02x", b[0] & 0xff, b[1] & 0xff, b[2] & 0xff, b[3] & 0xff);
  }

  @Override
  public void detach(String sandboxId, int slot, Inet4Address address) {
    String veth = slot < 0 ? null : vethName(slot);
    String ns = netnsName(sandboxId);
    boolean hadVeth = veth != null && Files.exists(Path.of("/sys/class/net", veth));
    if (hadVeth) {
      Tool.run(List.of("ip", "link", "del", veth), TOOL_TIMEOUT);
    }
    if (address != null && staleNeighbour(address)) {
      // the host's neighbour entry of this address: a sandbox from before MACs were derived from
      // addresses had a random one, which the next sandbox here would not answer to (best effort)
      Tool.run(List.of("ip", "neigh", "flush", "to", address.getHostAddress(), "dev", bridge()), TOOL_TIMEOUT);
    }
    if (Files.exists(NETNS_DIR.resolve(ns))) {
      var r = Tool.run(List.of("ip", "netns", "delete", ns), TOOL_TIMEOUT);
      if (!r.ok() && Files.exists(NETNS_DIR.resolve(ns))) {
        throw new NetworkException("cannot remove network namespace " + ns + ": " + r.stderr().strip());
      }
    }
    // the slot's binding stays: it is the next sandbox's of this slot, and matches nothing meanwhile
  }

  /**
   * Whether the host's neighbour table ({@code /proc/net/arp}) holds an entry for {@code address} on
   * the bridge with another MAC than the one derived from it: only then is there anything to flush,
   * and a create does not start {@code ip} for nothing. Unreadable: assumed so.
   */
  private boolean staleNeighbour(Inet4Address address) {
    String ip = address.getHostAddress();
    String expected = mac(address);
    try {
      for (String line : Files.readAllLines(Path.of("/proc/net/arp"))) {
        String[] f = line.trim().split("\\s+");
        if (f.length >= 6 && f[0].equals(ip) && f[5].equals(bridge()) && !f[3].equalsIgnoreCase(expected)) {
          return true;
        }
      }
      return false;
    } catch (IOException | RuntimeException e) {
      return true;
    }
  }

  @Override
  public void remove() {
    ready = false;
    if (Files.exists(Path.of("/sys/class/net", bridge()))) {
      Tool.run(List.of("ip", "link", "del", bridge()), TOOL_TIMEOUT);
    }
    Tool.run(List.of("nft", "delete", "table", "inet", instance.name()), TOOL_TIMEOUT);
    Tool.run(List.of("nft", "delete", "table", "bridge", instance.name()), TOOL_TIMEOUT);
  }

  @Override
  public Set<String> attached() {
    Set<String> ids = new HashSet<>();
    String prefix = instance.name() + "-";
    if (!Files.isDirectory(NETNS_DIR)) {
      return ids;
    }
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(NETNS_DIR, prefix + "*")) {
      for (Path p : ds) {
        ids.add(p.getFileName().toString().substring(prefix.length()));
      }
    } catch (IOException e) {
      throw new NetworkException("cannot list " + NETNS_DIR + ": " + e.getMessage(), e);
    }
    return ids;
  }

  /** A sysfs file's text, stripped; empty when it cannot be read. */
  private static String sysfs(Path file) {
    try {
      return Files.readString(file).strip();
    } catch (IOException e) {
      return "";
    }
  }

  /** The IPv4 addresses of {@code dev} as {@code address/prefix}. */
  private static List<String> ipv4Addresses(String dev) {
    try {
      java.net.NetworkInterface nif = java.net.NetworkInterface.getByName(dev);
      if (nif == null) {
        return List.of();
      }
      return nif.getInterfaceAddresses().stream().filter(a -> a.getAddress() instanceof Inet4Address)
          .map(a -> a.getAddress().getHostAddress() + "/" + a.getNetworkPrefixLength()).toList();
    } catch (java.net.SocketException e) {
      throw new NetworkException("cannot read the addresses of " + dev + ": " + e.getMessage(), e);
    }
  }

  private static void requireTool(String tool, String pkg) {
    for (String dir : List.of("/usr/sbin", "/usr/bin", "/sbin", "/bin")) {
      if (Files.isExecutable(Path.of(dir, tool))) {
        return;
      }
    }
    throw new NetworkException(tool + " is not installed; install the Debian package " + pkg + " (./warren up does)");
  }

  private static String ip(List<String> args) {
    List<String> argv = new java.util.ArrayList<>();
    argv.add("ip");
    argv.addAll(args);
    try {
      return Tool.check(argv, TOOL_TIMEOUT).stdout();
    } catch (ToolException e) {
      throw new NetworkException(e.getMessage(), e);
    }
  }

  private static void batch(List<String> argv, String script) {
    Tool.run(argv, script.getBytes(StandardCharsets.UTF_8), TOOL_TIMEOUT, java.util.Optional.empty()).orThrow();
  }

  private static void nft(String script) {
    try {
      Tool.run(List.of("nft", "-f", "-"), script.getBytes(StandardCharsets.UTF_8), TOOL_TIMEOUT, java.util.Optional.empty()).orThrow();
    } catch (ToolException e) {
      throw new NetworkException("nftables refused Warren's rules: " + e.getMessage(), e);
    }
  }

  private static void sysctl(String key, String value) {
    Path p = Path.of("/proc/sys", key);
    try {
      if (Files.exists(p)) {
        Files.writeString(p, value);
      }
    } catch (IOException e) {
      throw new NetworkException("cannot set " + key.replace('/', '.') + "=" + value + ": " + e.getMessage(), e);
    }
  }
}
