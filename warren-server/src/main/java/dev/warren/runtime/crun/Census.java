package dev.warren.runtime.crun;

import dev.warren.runtime.Observed;
import dev.warren.runtime.RuntimeUnavailableException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * What the host shows of one instance's sandboxes, whatever the store says, each thing found by the
 * sandbox id it is labelled with: crun's containers, mounts under the sandboxes directory (root
 * filesystems, disks), disks still on a loop device, network namespaces, state directories and
 * cgroups. Stateless.
 */
final class Census {
  private static final JsonMapper JSON = JsonMapper.builder().build();

  private Census() {}

  /**
   * What the host holds besides crun's records, each set by sandbox id: read while {@code crun list}
   * runs (a process in the crun namespace that reads every container's state: the longest part).
   *
   * @param mounted ids with a mount under the sandboxes directory or a disk still on a loop device
   */
  record Host(Set<String> mounted, Set<String> netns, Set<String> dirsOnDisk, Set<String> withCgroups) {

    /** @param heldDisks ids whose disk is mounted or attached ({@link DiskLimit#held()}) */
    static Host read(Path sandboxesDir, Set<String> heldDisks, Set<String> netns, Collection<String> cgroupIds) {
      Set<String> mounted = new HashSet<>(heldDisks);
      String prefix = sandboxesDir + "/";
      for (MountInfo m : MountInfo.self()) {
        if (m.mountPoint().startsWith(prefix)) {
          String rest = m.mountPoint().substring(prefix.length());
          int slash = rest.indexOf('/');
          if (slash > 0 && rest.charAt(0) != '.') {
            mounted.add(rest.substring(0, slash));
          }
        }
      }
      Set<String> dirsOnDisk = new HashSet<>();
      try (var s = Files.list(sandboxesDir)) {
        // dot directories are not sandboxes (ready disks of the pool)
        s.filter(Files::isDirectory).map(p -> p.getFileName().toString()).filter(n -> !n.startsWith(".")).forEach(dirsOnDisk::add);
      } catch (IOException e) {
        throw new RuntimeUnavailableException("cannot list " + sandboxesDir + ": " + e.getMessage(), e);
      }
      return new Host(mounted, Set.copyOf(netns), dirsOnDisk, new HashSet<>(cgroupIds));
    }
  }

  /** @param crunList what {@code crun list --format json} printed */
  static List<Observed> of(String crunList, Host host) {
    Map<String, JsonNode> containers = new HashMap<>();
    if (!crunList.isBlank()) {
      for (JsonNode c : JSON.readTree(crunList)) {
        containers.put(c.path("id").asString(), c);
      }
    }
    Set<String> ids = new HashSet<>(containers.keySet());
    ids.addAll(host.mounted());
    ids.addAll(host.netns());
    ids.addAll(host.dirsOnDisk());
    ids.addAll(host.withCgroups());
    List<Observed> out = new ArrayList<>();
    for (String id : ids) {
      JsonNode c = containers.get(id);
      Optional<String> status = c == null ? Optional.empty() : Optional.of(c.path("status").asString());
      Optional<Long> pid = c == null || c.path("pid").asLong() <= 0 ? Optional.empty() : Optional.of(c.path("pid").asLong());
      out.add(new Observed(id, status, pid, host.mounted().contains(id), host.netns().contains(id), host.dirsOnDisk().contains(id),
          host.withCgroups().contains(id)));
    }
    return out;
  }
}
