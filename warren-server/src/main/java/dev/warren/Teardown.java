package dev.warren;

import dev.warren.config.Config;
import dev.warren.host.Instance;
import dev.warren.host.InstanceRegistry;
import dev.warren.runtime.Observed;
import dev.warren.runtime.SandboxRuntime;
import dev.warren.store.Store;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Removes everything an instance made on the host: its sandboxes (processes, mounts, network
 * namespaces, cgroups, files), then its bridge, firewall tables, mount namespace and registry
 * claim. The data directory itself is left for the caller. The controller must not be running.
 */
public final class Teardown {
  private static final Logger log = LoggerFactory.getLogger(Teardown.class);

  private Teardown() {}

  /** Returns the ids of the sandboxes it destroyed. */
  public static List<String> run(Config config) {
    List<String> destroyed = new ArrayList<>();
    dev.warren.ops.DataLock.holder(config.dataDir()).ifPresent(pid -> {
      throw new dev.warren.ops.OpsException("the controller (pid " + pid + ") is running on " + config.dataDir() + "; stop it first (warren stop)");
    });
    if (!Files.exists(config.dataDir().resolve("instance"))) {
      return destroyed;
    }
    Instance instance;
    try (Components host = Components.open(config)) {
      instance = host.instance();
      SandboxRuntime runtime = host.runtime();
      runtime.init();
      Map<String, Integer> slots = new java.util.HashMap<>();
      if (Files.exists(config.dataDir().resolve("warren.db")) || config.dbUrl().isPresent()) {
        try (Store store = Store.open(config)) {
          store.read(h -> h.createQuery("SELECT id, slot FROM sandboxes").map((rs, ctx) -> {
            slots.put(rs.getString("id"), rs.getInt("slot"));
            return null;
          }).list());
          store.write(h -> h.createUpdate("DELETE FROM sandboxes").execute());
        }
      }
      for (Observed o : runtime.observe()) {
        int slot = slots.getOrDefault(o.id(), slotFile(config, o.id()));
        runtime.destroy(o.id(), slot);
        destroyed.add(o.id());
      }
      runtime.uninstall();
    }
    InstanceRegistry.release(config);
    log.info("instance {} torn down: {} sandboxes destroyed", instance.name(), destroyed.size());
    return destroyed;
  }

  private static int slotFile(Config config, String id) {
    try {
      return Integer.parseInt(Files.readString(config.dataDir().resolve("sandboxes").resolve(id).resolve("slot")).strip());
    } catch (Exception e) {
      return -1;
    }
  }

}
