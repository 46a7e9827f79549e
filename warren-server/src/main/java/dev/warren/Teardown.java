package dev.warren;

import dev.warren.config.Config;
import dev.warren.host.Instance;
import dev.warren.host.InstanceRegistry;
import dev.warren.runtime.Observed;
import dev.warren.runtime.SandboxRuntime;
import dev.warren.store.Store;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
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
      if (Files.exists(config.dataDir().resolve("warren.db")) || config.dbUrl().isPresent()) {
        try (Store store = Store.open(config)) {
          store.write(h -> h.createUpdate("DELETE FROM sandboxes").execute());
        }
      }
      for (Observed o : runtime.observe()) {
        runtime.destroy(o.id());
        destroyed.add(o.id());
      }
      runtime.uninstall();
    }
    InstanceRegistry.release(config);
    log.info("instance {} torn down: {} sandboxes destroyed", instance.name(), destroyed.size());
    return destroyed;
  }
}
