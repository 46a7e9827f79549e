package dev.warren.net;

import dev.warren.config.Cidr;
import dev.warren.host.InstanceRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Optional;

/**
 * The sandbox networks of every Warren instance on this host, from the host-wide instance registry,
 * re-read whenever the registry directory changes (one {@code stat} per check otherwise), so an
 * instance that starts later is covered from its first sandbox on. Thread-safe: the cache is one
 * immutable snapshot swapped atomically.
 */
final class WarrenNetworks {

  /** Changes closer together than the file system's timestamp step can share an mtime: re-read then. */
  private static final long SETTLE_MILLIS = 1000;

  private record Snapshot(FileTime mtime, long readAtMillis, List<InstanceRegistry.Network> networks) {}

  private final Path hostStateDir;
  private final List<Cidr> always;
  private volatile Snapshot snapshot;

  /**
   * @param always networks refused even when the registry cannot be read (this instance's own)
   */
  WarrenNetworks(Path hostStateDir, List<Cidr> always) {
    this.hostStateDir = hostStateDir;
    this.always = List.copyOf(always);
  }

  /** No registry: only {@code always} (tests of the proxy alone). */
  static WarrenNetworks only(List<Cidr> always) {
    return new WarrenNetworks(null, always);
  }

  /** Which Warren network holds {@code address}, named for the refusal; empty when none. */
  Optional<String> find(InetAddress address) {
    if (!(address instanceof Inet4Address v4)) {
      return Optional.empty();
    }
    int a = Cidr.toInt(v4.getHostAddress());
    for (Cidr c : always) {
      if (c.contains(a)) {
        return Optional.of("a sandbox network of this Warren (" + c + ")");
      }
    }
    for (InstanceRegistry.Network n : current()) {
      if (n.subnet().contains(a)) {
        return Optional.of("a sandbox network of Warren instance " + n.number() + " (" + n.bridge() + ", " + n.subnet() + ")");
      }
    }
    return Optional.empty();
  }

  private List<InstanceRegistry.Network> current() {
    if (hostStateDir == null) {
      return List.of();
    }
    Path dir = hostStateDir.resolve("instances");
    try {
      FileTime mtime = Files.exists(dir) ? Files.getLastModifiedTime(dir) : FileTime.fromMillis(0);
      Snapshot s = snapshot;
      if (s != null && s.mtime().equals(mtime) && s.readAtMillis() - mtime.toMillis() > SETTLE_MILLIS) {
        return s.networks();
      }
      long now = System.currentTimeMillis();
      List<InstanceRegistry.Network> read = InstanceRegistry.networks(hostStateDir);
      snapshot = new Snapshot(mtime, now, read);
      return read;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the Warren instances in " + dir + ": " + e.getMessage(), e);
    }
  }
}
