package dev.warren.volume;

import dev.warren.error.Problem;
import dev.warren.error.WarrenException;
import dev.warren.events.Events;
import dev.warren.host.DiskSpace;
import dev.warren.host.NamedLocks;
import dev.warren.runtime.HostVolumes;
import dev.warren.runtime.SandboxRuntimeException;
import dev.warren.store.Store;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Volumes: create, list, get, delete, and their reconciliation at start-up. The store is the
 * truth: a volume exists when its row does. A create makes the filesystem first and writes the row
 * last (then answers); a delete removes the row first (refused while a sandbox names the volume)
 * and the filesystem after. A controller killed between the two leaves a filesystem without a row,
 * which {@link #reconcile()} removes. Which sandbox mounts a volume is written with the sandbox's
 * row ({@link VolumeRepository#claim}). Thread-safe: calls for one volume name are serialised.
 */
public final class VolumeService {
  private static final Logger log = LoggerFactory.getLogger(VolumeService.class);

  private final VolumeRepository repo;
  private final Optional<HostVolumes> host;
  private final Events events;
  private final NamedLocks locks = new NamedLocks(Duration.ofSeconds(60));

  public VolumeService(Store store, Optional<HostVolumes> host, Events events) {
    this.repo = new VolumeRepository(store);
    this.host = host;
    this.events = events;
  }

  private HostVolumes host() {
    return host.orElseThrow(() -> new WarrenException(Problem.UNAVAILABLE, "this Warren's runtime has no volumes"));
  }

  public Volume create(String name, int sizeMb) {
    Volume.checkName("name", name);
    if (sizeMb < Volume.MIN_SIZE_MB || sizeMb > Volume.MAX_SIZE_MB) {
      throw WarrenException.invalid("sizeMb", "sizeMb must be between " + Volume.MIN_SIZE_MB + " and " + Volume.MAX_SIZE_MB + ", got " + sizeMb);
    }
    HostVolumes h = host();
    return locks.locked(name, () -> busy(name), () -> {
      if (repo.find(name).isPresent()) {
        throw new WarrenException(Problem.CONFLICT, "volume " + name + " already exists");
      }
      long t0 = System.nanoTime();
      try {
        h.create(name, sizeMb);
      } catch (SandboxRuntimeException e) {
        if (DiskSpace.isNoSpace(e)) {
          throw new WarrenException(Problem.UNAVAILABLE, e.getCause().getMessage(), Optional.of("sizeMb"), Map.of(), e);
        }
        throw e;
      }
      VolumeRepository.Row row = new VolumeRepository.Row(name, sizeMb, Instant.ofEpochMilli(System.currentTimeMillis()));
      try {
        repo.insert(row);
      } catch (RuntimeException e) {
        try {
          h.remove(name);
        } catch (RuntimeException cleanup) {
          e.addSuppressed(cleanup);
        }
        throw e;
      }
      events.record("volume.created", null, "volume " + name + " of " + sizeMb + " MiB", Duration.ofNanos(System.nanoTime() - t0));
      return of(row, List.of());
    });
  }

  public List<Volume> list() {
    Map<String, List<Volume.Holder>> holders = repo.holders();
    return repo.all().stream().map(r -> of(r, holders.getOrDefault(r.name(), List.of()))).toList();
  }

  public Volume get(String name) {
    Volume.checkName("name", name);
    VolumeRepository.Row r = repo.find(name).orElseThrow(() -> notFound(name));
    return of(r, repo.holders().getOrDefault(name, List.of()));
  }

  /** Deletes the volume and its files; 409 naming the sandboxes while any names it. */
  public void delete(String name) {
    Volume.checkName("name", name);
    HostVolumes h = host();
    locks.locked(name, () -> busy(name), () -> {
      if (!repo.delete(name)) {
        throw notFound(name);
      }
      h.remove(name);
      events.record("volume.deleted", null, "volume " + name);
      return null;
    });
  }

  /**
   * At start-up, before the API serves: removes the files of volumes without a row (a create or a
   * delete a killed controller left half done), mounts the others on the host where they are not
   * (after a reboot), forgets mounts of sandboxes that have no row, and reports rows whose files are gone (they stay, shown with {@code missing},
   * until deleted). Returns what it did, for the log.
   */
  public String reconcile() {
    if (host.isEmpty()) {
      return "no volumes in this runtime";
    }
    HostVolumes h = host.get();
    int orphans = repo.releaseOrphans();
    if (orphans > 0) {
      log.warn("forgot {} volume mounts of sandboxes the store no longer has", orphans);
    }
    Set<String> rows = new HashSet<>();
    repo.all().forEach(r -> rows.add(r.name()));
    int removed = 0;
    int missing = 0;
    for (String name : h.onHost()) {
      if (!rows.contains(name)) {
        log.warn("removing the files of volume {}, which the store does not have (a create or delete was interrupted)", name);
        h.remove(name);
        removed++;
      }
    }
    for (String name : rows) {
      if (!h.exists(name)) {
        log.error("the file of volume {} is missing from the host; sandboxes that name it cannot start until it is deleted and made again",
            name);
        events.record("volume.missing", null, "volume " + name + ": its file is missing from the host");
        missing++;
        continue;
      }
      try {
        h.open(name);
      } catch (RuntimeException e) {
        log.error("cannot mount volume {}: {}", name, e.getMessage());
      }
    }
    return rows.size() + " volumes, " + removed + " leftovers removed, " + missing + " missing";
  }

  private Volume of(VolumeRepository.Row r, List<Volume.Holder> holders) {
    HostVolumes h = host.orElse(null);
    Optional<String> missing = h == null || h.exists(r.name()) ? Optional.empty()
        : Optional.of("the file of volume " + r.name() + " is missing from the host");
    return new Volume(r.name(), r.sizeMb(), r.createdAt(), holders, h == null ? Optional.empty() : h.usedBytes(r.name()), missing);
  }

  private static WarrenException notFound(String name) {
    return new WarrenException(Problem.NOT_FOUND, "no volume named " + name, Optional.empty(), Map.of(), null);
  }

  private static WarrenException busy(String name) {
    return new WarrenException(Problem.CONFLICT, "volume " + name + " is being changed by another call; try again");
  }
}
