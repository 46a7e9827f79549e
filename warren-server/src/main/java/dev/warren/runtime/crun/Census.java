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
   * @param crunList what {@code crun list --format json} printed
   * @param heldDisks ids whose disk is mounted or attached ({@link DiskLimit#held()})
   */
  static List<Observed> of(String crunList, Path sandboxesDir, Set<String> heldDisks, Set<String> netns, Collection<String> cgroupIds) {
    Map<String, JsonNode> containers = new HashMap<>();
    if (!crunList.isBlank()) {
      for (JsonNode c : JSON.readTree(crunList)) {
        containers.put(c.path("id").asString(), c);
      }
    }
    Set<String> ids = new HashSet<>(containers.keySet());
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
    ids.addAll(mounted);
    ids.addAll(netns);
    Set<String> dirsOnDisk = new HashSet<>();
    try (var s = Files.list(sandboxesDir)) {
      // dot directories are not sandboxes (ready disks of the pool)
      s.filter(Files::isDirectory).map(p -> p.getFileName().toString()).filter(n -> !n.startsWith(".")).forEach(dirsOnDisk::add);
    } catch (IOException e) {
      throw new RuntimeUnavailableException("cannot list " + sandboxesDir + ": " + e.getMessage(), e);
    }
    ids.addAll(dirsOnDisk);
    Set<String> withCgroups = new HashSet<>(cgroupIds);
    ids.addAll(withCgroups);
    List<Observed> out = new ArrayList<>();
    for (String id : ids) {
      JsonNode c = containers.get(id);
      Optional<String> status = c == null ? Optional.empty() : Optional.of(c.path("status").asString());
      Optional<Long> pid = c == null || c.path("pid").asLong() <= 0 ? Optional.empty() : Optional.of(c.path("pid").asLong());
      out.add(new Observed(id, status, pid, mounted.contains(id), netns.contains(id), dirsOnDisk.contains(id), withCgroups.contains(id)));
    }
    return out;
  }
}
