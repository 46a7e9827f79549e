package dev.warren.sandbox;

import dev.warren.runtime.Observed;
import dev.warren.runtime.SandboxRuntime;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Start-up reconciliation: the store says what should exist, the runtime shows what does.
 * Running sandboxes are adopted, vanished ones marked failed with a reason, half-done steps
 * finished, and leftovers carrying this instance's labels but unknown to the store removed.
 * Called once, before the API accepts requests.
 */
final class Reconciler {
  private static final Logger log = LoggerFactory.getLogger(Reconciler.class);

  record Report(int adopted, int failed, int stopped, int deleted, int orphansRemoved) {}

  private final SandboxService service;

  Reconciler(SandboxService service) {
    this.service = service;
  }

  Report run() {
    SandboxRuntime runtime = service.runtime();
    SandboxRepository repo = service.repository();
    Map<String, Observed> seen = new HashMap<>();
    for (Observed o : runtime.observe()) {
      seen.put(o.id(), o);
    }
    int adopted = 0;
    int failed = 0;
    int stopped = 0;
    int deleted = 0;
    for (Sandbox s : repo.all()) {
      Observed o = seen.remove(s.id());
      boolean running = o != null && o.running();
      try {
        switch (s.state()) {
          case RUNNING, CREATING, STARTING -> {
            if (running) {
              Sandbox r = s.state() == SandboxState.RUNNING ? s
                  : new Sandbox(s.id(), SandboxState.RUNNING, Optional.empty(), s.spec(), s.imageDigest(), s.generation(),
                      s.slot(), s.address(), s.createdAt(), Optional.of(s.startedAt().orElse(Instant.now())), Optional.empty(),
                      s.lastActivityAt());
              if (r != s) {
                repo.update(r);
              }
              service.registerEgress(r);
              service.activity().put(r.id(), r.lastActivityAt());
              adopted++;
            } else {
              String why = o == null || o.containerStatus().isEmpty()
                  ? "its processes were gone when the controller started (host restart, or killed from outside)"
                  : "its container was " + o.containerStatus().get() + " when the controller started";
              service.events().record("sandbox.vanished", s.id(), why);
              service.fireStopping(s);
              runtime.stop(s.id(), s.slot());
              repo.update(s.with(SandboxState.FAILED, Optional.of(why)));
              failed++;
            }
          }
          case STOPPING -> {
            runtime.stop(s.id(), s.slot());
            repo.update(new Sandbox(s.id(), SandboxState.STOPPED, s.stateReason(), s.spec(), s.imageDigest(), s.generation(), s.slot(),
                s.address(), s.createdAt(), s.startedAt(), Optional.of(Instant.now()), s.lastActivityAt()));
            stopped++;
          }
          case STOPPED, FAILED -> {
            if (o != null && (o.containerStatus().isPresent() || o.rootMounted() || o.netns())) {
              runtime.stop(s.id(), s.slot());
              stopped++;
            }
          }
          case DELETING -> {
            runtime.destroy(s.id(), s.slot());
            repo.delete(s.id());
            service.events().record("sandbox.deleted", s.id(), "finished after a controller restart");
            deleted++;
          }
        }
      } catch (RuntimeException e) {
        log.warn("cannot reconcile {} ({}): {}", s.id(), s.state().wire(), e.getMessage());
        repo.update(s.with(SandboxState.FAILED, Optional.of("reconciliation failed: " + e.getMessage())));
      }
    }
    int orphans = 0;
    for (Observed o : seen.values()) {
      try {
        removeOrphan(runtime, o);
        orphans++;
      } catch (RuntimeException e) {
        log.warn("cannot remove leftover sandbox {}: {}", o.id(), e.getMessage());
      }
    }
    Report r = new Report(adopted, failed, stopped, deleted, orphans);
    log.info("reconciled: {} adopted, {} failed, {} stopped, {} deletions finished, {} leftovers removed",
        adopted, failed, stopped, deleted, orphans);
    return r;
  }

  private void removeOrphan(SandboxRuntime runtime, Observed o) {
    int slot = slotOf(o.id());
    service.events().record("sandbox.orphan-removed", o.id(), "not in the store: " + o);
    runtime.destroy(o.id(), slot);
  }

  /** The slot an orphan used, from the file the runtime keeps; -1 when unknown. */
  private int slotOf(String id) {
    Path f = service.config().dataDir().resolve("sandboxes").resolve(id).resolve("slot");
    try {
      return Integer.parseInt(Files.readString(f).strip());
    } catch (Exception e) {
      return -1;
    }
  }
}
