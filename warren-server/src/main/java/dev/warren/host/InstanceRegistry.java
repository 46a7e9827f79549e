package dev.warren.host;

import dev.warren.config.Cidr;
import dev.warren.config.Config;
import dev.warren.config.ConfigException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Gives each data directory a host-wide instance number so that several Warren instances on one
 * host never share a bridge, a subnet or a uid range. The claim is a file
 * {@code $WARREN_HOST_STATE/instances/<n>} naming the data directory, and the data directory
 * remembers its number in {@code instance}. A claim whose data directory is gone is reused.
 * Beside each claim, {@code <n>.net} says which bridge and subnet the instance uses, so that every
 * instance's egress proxy can refuse every Warren network on the host ({@link #networks}).
 */
public final class InstanceRegistry {
  /** 48 windows of 1024 sandboxes × 65536 uids between 2^30 and 2^32. */
  public static final int MAX_INSTANCES = 48;
  private static final long UID_FLOOR = 1L << 30;
  private static final long WINDOW_UIDS = 1024L * Instance.UIDS_PER_SANDBOX;
  private static final int SUBNET_BASE = Cidr.toInt("10.200.0.0");

  private InstanceRegistry() {}

  public static Instance claim(Config config) {
    Path dataDir = config.dataDir();
    Path registry = config.hostStateDir().resolve("instances");
    try {
      Files.createDirectories(registry);
      if (!Files.exists(dataDir)) {
        Files.createDirectories(dataDir);
        // others may traverse (sandboxes reach their root filesystem as unprivileged uids) but not list
        Files.setPosixFilePermissions(dataDir, java.nio.file.attribute.PosixFilePermissions.fromString("rwx--x--x"));
      }
      try (FileChannel lockFile = FileChannel.open(registry.resolve(".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
           FileLock ignored = lockFile.lock()) {
        Optional<Integer> known = remembered(dataDir, registry);
        int n = known.isPresent() ? known.get() : fresh(dataDir, registry);
        Files.writeString(registry.resolve(Integer.toString(n)), dataDir.toRealPath().toString());
        Files.writeString(dataDir.resolve("instance"), Integer.toString(n) + "\n");
        Instance instance = instance(n, config);
        writeNetwork(registry, instance);
        return instance;
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot claim an instance number in " + registry + ": " + e.getMessage(), e);
    }
  }

  /** Frees this data directory's number (used when a data directory is destroyed). */
  public static void release(Config config) {
    Path registry = config.hostStateDir().resolve("instances");
    try {
      Optional<Integer> n = remembered(config.dataDir(), registry);
      if (n.isPresent()) {
        Files.deleteIfExists(registry.resolve(n.get() + ".net"));
        Files.deleteIfExists(registry.resolve(Integer.toString(n.get())));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The bridge and subnet of a claimed instance number. */
  public record Network(int number, String bridge, Cidr subnet) {}

  /**
   * Every claimed instance's network, read from {@code $WARREN_HOST_STATE/instances}: its {@code
   * <n>.net} file, or the default bridge and subnet of its number when an older Warren claimed it
   * without one. The directory's modification time changes whenever a claim or network is
   * written or removed (both are renamed into place), so a caller may cache by it.
   */
  public static List<Network> networks(Path hostStateDir) throws IOException {
    Path registry = hostStateDir.resolve("instances");
    List<Network> out = new ArrayList<>();
    List<Path> entries;
    try (Stream<Path> s = Files.list(registry)) {
      entries = s.toList();
    } catch (java.nio.file.NoSuchFileException e) {
      return List.of();
    }
    for (Path p : entries) {
      String name = p.getFileName().toString();
      if (!name.matches("\\d{1,2}")) {
        continue;
      }
      int n = Integer.parseInt(name);
      Path net = registry.resolve(n + ".net");
      Network dflt = new Network(n, "warren" + n, new Cidr(SUBNET_BASE + n * 4096, 20));
      try {
        String[] f = Files.readString(net, StandardCharsets.UTF_8).strip().split("\\s+");
        out.add(f.length == 2 ? new Network(n, f[0], Cidr.parse(f[1])) : dflt);
      } catch (java.nio.file.NoSuchFileException e) {
        out.add(dflt);
      } catch (IllegalArgumentException e) {
        out.add(dflt); // a corrupt file: the default is the best guess, and its own instance rewrites it at start
      }
    }
    return out;
  }

  private static void writeNetwork(Path registry, Instance instance) throws IOException {
    Path tmp = registry.resolve(instance.number() + ".net.tmp");
    Files.writeString(tmp, instance.bridge() + " " + instance.subnet() + "\n", StandardCharsets.UTF_8);
    Files.move(tmp, registry.resolve(instance.number() + ".net"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }

  private static Optional<Integer> remembered(Path dataDir, Path registry) throws IOException {
    Path f = dataDir.resolve("instance");
    if (!Files.isRegularFile(f)) {
      return Optional.empty();
    }
    int n;
    try {
      n = Integer.parseInt(Files.readString(f).strip());
    } catch (NumberFormatException e) {
      throw new ConfigException("WARREN_DATA: " + f + " is corrupt (expected an instance number)");
    }
    if (n < 0 || n >= MAX_INSTANCES) {
      throw new ConfigException("WARREN_DATA: " + f + " holds instance number " + n + ", outside 0.." + (MAX_INSTANCES - 1));
    }
    Path claim = registry.resolve(Integer.toString(n));
    if (Files.exists(claim)) {
      String owner = Files.readString(claim, StandardCharsets.UTF_8).strip();
      if (!owner.equals(dataDir.toRealPath().toString()) && ownsClaim(Path.of(owner), n)) {
        throw new ConfigException("WARREN_DATA: instance number " + n + " of " + dataDir + " is also claimed by "
            + owner + "; was the data directory copied? Remove " + f + " to take a new number");
      }
    }
    return Optional.of(n);
  }

  private static int fresh(Path dataDir, Path registry) throws IOException {
    for (int n = 0; n < MAX_INSTANCES; n++) {
      Path claim = registry.resolve(Integer.toString(n));
      if (!Files.exists(claim)) {
        return n;
      }
      String owner = Files.readString(claim, StandardCharsets.UTF_8).strip();
      if (!ownsClaim(Path.of(owner), n)) {
        return n;
      }
    }
    throw new ConfigException("WARREN_HOST_STATE: all " + MAX_INSTANCES + " instance numbers in " + registry
        + " are claimed by existing data directories; remove a stale one");
  }

  private static boolean ownsClaim(Path otherData, int n) {
    try {
      Path f = otherData.resolve("instance");
      return Files.isRegularFile(f) && Files.readString(f).strip().equals(Integer.toString(n));
    } catch (IOException e) {
      return true;
    }
  }

  static Instance instance(int n, Config config) {
    String name = "warren" + n;
    Cidr subnet = config.subnet().orElseGet(() -> new Cidr(SUBNET_BASE + n * 4096, 20));
    long uidBase = UID_FLOOR + n * WINDOW_UIDS;
    return new Instance(n, name, config.bridge().orElse(name), subnet, uidBase, config.maxSandboxes());
  }
}
