package dev.warren;

import dev.warren.api.ApiServer;
import dev.warren.api.Tokens;
import dev.warren.config.Config;
import dev.warren.events.Events;
import dev.warren.host.Instance;
import dev.warren.image.Images;
import dev.warren.net.EgressGuard;
import dev.warren.net.EgressLog;
import dev.warren.net.EgressProxy;
import dev.warren.net.Network;
import dev.warren.runtime.SandboxRuntime;
import dev.warren.sandbox.SandboxService;
import dev.warren.shell.ShellService;
import dev.warren.store.Store;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running Warren controller: store, runtime, network, proxy, services and API, started in
 * that order and closed in reverse. Closing leaves sandboxes running; the next start adopts them.
 */
public final class Server implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Server.class);

  private final Deque<AutoCloseable> parts = new ArrayDeque<>();
  private final AtomicBoolean closed = new AtomicBoolean();
  private ApiServer api;
  private Tokens tokens;
  private Instance instance;
  private SandboxService sandboxes;
  private Events events;

  private Server() {}

  public static Server start(Config config) {
    Server s = new Server();
    try {
      s.boot(config);
      return s;
    } catch (RuntimeException e) {
      s.close();
      throw e;
    }
  }

  private void boot(Config config) {
    BootSteps steps = new BootSteps();
    if (config.jdbcUrl().startsWith("jdbc:sqlite:")) {
      // SQLite's native library is loaded on first use, a few hundred milliseconds of a restart that
      // nothing before the store needs: done beside the host's checks
      Thread.ofPlatform().daemon().name("warren-sqlite-load").start(() -> {
        try {
          dev.warren.store.SqliteLibrary.unpackOnce(config.dataDir().resolve("native"));
          org.sqlite.SQLiteJDBCLoader.initialize();
        } catch (Exception | LinkageError e) {
          // the store's first connection fails again, with its message
        }
      });
    }
    parts.push(dev.warren.ops.DataLock.acquire(config.dataDir()));
    // the store opens beside everything up to the reconciliation: the host's parts (instance,
    // network, runtime) and then the runtime's checks (tools, mounts, network, calls a killed
    // controller left); none needs another, and all wait on other processes and the disk
    dev.warren.host.Beside<Store> opening = dev.warren.host.Beside.compute("warren-store-open", () -> {
      // before the store opens: SQLite gives a new -wal and -shm the mode of the database file
      dev.warren.ops.DataPermissions.repair(config);
      Store opened = Store.open(config);
      try {
        // the query layer's first use (a tenth of a second of cold code) here, not in the first read of the start's own thread
        opened.read(h -> h.createQuery("SELECT 1").mapTo(Integer.class).one());
      } catch (RuntimeException e) {
        opened.close();
        throw e;
      }
      return opened;
    });
    Components host;
    try {
      host = Components.open(config);
    } catch (RuntimeException | Error e) {
      closeAfter(opening, e);
      throw e;
    }
    parts.push(host);
    steps.done("host");
    instance = host.instance();
    dev.warren.runtime.RuntimeSet runtime = host.runtime();
    dev.warren.host.Beside<Void> runtimeInit = dev.warren.host.Beside.run("warren-runtime-init", runtime::init);
    Store store;
    try {
      store = opening.join();
      parts.push(store);
      steps.done("store");
    } catch (RuntimeException e) {
      // the runtime's work is over before anything is closed; the store's failure is the one told
      runtimeInit.joinAfter(e);
      throw e;
    }
    runtimeInit.join();
    steps.done("runtime");
    dev.warren.audit.Audit audit = new dev.warren.audit.Audit(store, config.auditRetention());
    parts.push(audit);
    // images named by WARREN_BUILD_IMAGES are built in the background once the API is up (./warren up asks for browser)
    dev.warren.image.BackgroundBuilds images = new dev.warren.image.BackgroundBuilds(Images.open(config.imagesDir(), config.mirror()));
    Network network = host.network();
    Events events = new Events(store);
    EgressLog egressLog = new EgressLog(store, config.egress());
    parts.push(egressLog);
    EgressGuard egressGuard = EgressGuard.forHost(config.hostStateDir(), instance.subnet());
    dev.warren.sandbox.SnapshotBases snapshotBases = dev.warren.snapshot.SnapshotService.bases(store, config.dataDir().resolve("layers"));
    // user images (imported, pulled) beside the golden ones; what a killed import left is removed before anything serves
    dev.warren.image.ImageStore imageStore = dev.warren.image.ImageStore.open(store, config.dataDir().resolve("user-images"));
    log.info("user images: {}", imageStore.reconcile());
    sandboxes = new SandboxService(config, store, runtime, network, new dev.warren.image.StoredImages(images, imageStore), events, egressGuard,
        snapshotBases);
    sandboxes.addListener(imageGarbage(imageStore));
    dev.warren.snapshot.SnapshotService snapshots = dev.warren.snapshot.SnapshotService.over(snapshotBases, sandboxes, runtime, events);
    sandboxes.addListener(snapshots.forkCollector());
    dev.warren.volume.VolumeService volumes = new dev.warren.volume.VolumeService(store, runtime.volumes(), events);
    // the volumes sandboxes name are mounted on the host before any is started again (by the
    // recovery of sessions and browsers, or once the controller serves): beside the adoption of
    // running sandboxes, whose containers hold their own mounts
    dev.warren.host.Beside<String> volumesReconciled = dev.warren.host.Beside.compute("warren-volumes", () -> {
      long t0 = System.nanoTime();
      String reconciled = volumes.reconcile();
      return "volumes reconciled in " + (System.nanoTime() - t0) / 1_000_000 + " ms: " + reconciled;
    });
    ShellService shells = new ShellService(sandboxes, runtime, store, events, config.sessionQueueMax());
    dev.warren.build.ImageBuilds imageBuilds = new dev.warren.build.ImageBuilds(store, imageStore, images, sandboxes, runtime,
        SandboxService.defaultLimits(config.sandboxDefaults()));
    parts.push(shells);
    // everything the API's routes need is made before the sandboxes are reconciled (which emits
    // nothing to listeners until the controller serves), so that the routes are made beside that
    tokens = Tokens.load(config.dataDir());
    dev.warren.api.ApiTokens apiTokens = new dev.warren.api.ApiTokens(tokens, store);
    // a signed URL dies with the API token that minted it
    dev.warren.api.SignedTokens signed = dev.warren.api.SignedTokens.load(config.dataDir(), apiTokens::active);
    String proxyUrl = "http://" + network.gateway().getHostAddress() + ":" + config.proxyPort();
    // desktops start before a headed browser looks for its display: listeners run in this order
    dev.warren.stream.Desktops desktops = new dev.warren.stream.Desktops(runtime, events);
    sandboxes.addListener(desktops);
    dev.warren.stream.VncProxy vnc = new dev.warren.stream.VncProxy(sandboxes, runtime);
    dev.warren.computer.DesktopComputer desktopComputer = new dev.warren.computer.DesktopComputer(sandboxes, runtime);
    dev.warren.browser.BrowserService browsers = new dev.warren.browser.BrowserService(sandboxes, runtime, store, events,
        config.dataDir().resolve("profiles"), proxyUrl, new dev.warren.runtime.Limits(2048, 4096, 2.0,
            config.sandboxDefaults().diskMb(), dev.warren.runtime.Limits.defaultInodes(config.sandboxDefaults().diskMb())), config.idleCheckInterval(),
        config.browserPool());
    parts.push(browsers);
    dev.warren.stream.Handoffs handoffs = new dev.warren.stream.Handoffs(store, browsers, events);
    dev.warren.stream.LiveStreams streams = new dev.warren.stream.LiveStreams(new dev.warren.stream.LiveViews(store, browsers, handoffs),
        handoffs, vnc);
    parts.push(streams);
    dev.warren.web.WebSessions webSessions = dev.warren.web.WebSessions.load(config.dataDir(), dev.warren.web.Dashboard.SESSION_TTL);
    // a revoked token's dashboard logins end with it (the sockets they opened close through the API's TokenSockets)
    apiTokens.onRevoke(webSessions::removeAllOf);
    dev.warren.web.Dashboard dashboard = new dev.warren.web.Dashboard(webSessions,
        t -> apiTokens.authenticate(t).map(dev.warren.api.ApiTokens.Actor::id), events);
    dev.warren.preview.Previews previews = dev.warren.preview.Previews.open(config, store, sandboxes, runtime, apiTokens::active);
    parts.push(previews);
    PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    parts.push(metrics::close);
    // the routes (a few hundred milliseconds of cold code) are made while the sandboxes, sessions and
    // browsers are reconciled; nothing listens until start() below
    dev.warren.host.Beside<ApiServer> routes = dev.warren.host.Beside.compute("warren-api-routes", () -> new ApiServer(config, apiTokens,
        signed, sandboxes, shells, browsers, streams, egressLog, events, audit, metrics, () -> {
      Map<String, Optional<String>> checks = new LinkedHashMap<>();
      checks.put("store", store.ping() ? Optional.empty() : Optional.of("the database does not answer"));
      checks.put("runtime", runtime.problem());
      return checks;
    }, dashboard, previews, desktopComputer, Optional.of(snapshots), volumes,
        new dev.warren.image.StoredImages(images, imageStore), imageBuilds));
    try {
      parts.push(sandboxes.open());
      log.info("image builds: {}", imageBuilds.reconcile());
      // before the sessions and browsers, whose recovery may start a sandbox that names a volume
      log.info(volumesReconciled.join());
      steps.done("sandboxes");
      shells.recover();
      steps.done("sessions");
      parts.push(browsers.open());
      steps.done("browsers");
    } catch (RuntimeException | Error e) {
      routes.joinAfter(e);
      volumesReconciled.joinAfter(e);
      throw e;
    }
    api = routes.join();
    parts.push(api);
    api.start();
    steps.done("api");
    // the sandboxes adopted now may have doors an older Warren left open: DevTools and VNC on the sandbox's address
    Thread.ofVirtual().name("close-old-doors").start(() -> {
      for (dev.warren.sandbox.Sandbox s : sandboxes.list(Map.of(), Optional.of(dev.warren.sandbox.SandboxState.RUNNING))) {
        try {
          desktops.adopted(s);
          browsers.adopted(s);
        } catch (RuntimeException e) {
          log.warn("cannot check the doors of {}: {}", s.id(), e.getMessage());
        }
      }
    });
    // the proxy refuses the API's actual address, known only now when WARREN_LISTEN asked for port 0
    InetSocketAddress proxyAt = new InetSocketAddress(network.gateway(), config.proxyPort());
    InetSocketAddress apiAt = new InetSocketAddress(config.listen().getAddress(), api.port());
    EgressProxy proxy = EgressProxy.start(proxyAt, sandboxes.egressClients(), Set.of(apiAt, proxyAt), egressGuard, egressLog,
        config.egress().maxConnectionsPerSandbox());
    parts.push(proxy);
    writeListenFile(config);
    steps.done("proxy");
    sandboxes.serving();
    // the snapshots' start-up work (copies a killed controller left running, found among all the host's
    // processes; rows and layers left half made) once the controller serves; calls on snapshots wait for it
    parts.push(snapshots.openInBackground(java.time.Duration.ofMinutes(1)));
    images.start(config.buildImages());
    events.record("controller.started", null, "Warren " + dev.warren.Version.CURRENT + " " + instance.name() + " on "
        + config.listen().getAddress().getHostAddress() + ":" + api.port() + ", data " + config.dataDir() + ", store " + store.kind()
        + ", bridge " + instance.bridge() + " " + instance.subnet() + " (" + steps + ")", steps.total());
    log.info("started in {} ms: {}", steps.total().toMillis(), steps);
    dev.warren.host.CompilerPriority.restore();
    this.events = events;
  }

  /**
   * Once the last sandbox made from an image whose tag has moved on (or was deleted) is gone, its
   * files are collected, in the background: the delete does not wait for a root filesystem's removal.
   */
  private static dev.warren.sandbox.SandboxListener imageGarbage(dev.warren.image.ImageStore store) {
    return new dev.warren.sandbox.SandboxListener() {
      @Override
      public void deleted(dev.warren.sandbox.Sandbox s) {
        if (store.rootfsOf(s.imageDigest()).isEmpty()) {
          return; // a built-in image, or collected already
        }
        Thread.ofVirtual().name("image-gc-" + s.id()).start(() -> {
          try {
            if (store.byDigest(s.imageDigest()).isEmpty()) {
              store.collect();
            }
          } catch (RuntimeException e) {
            log.warn("cannot collect the image files {} no longer needs: {}", s.id(), e.getMessage());
          }
        });
      }
    };
  }

  /** After the host's parts failed with {@code failure}: the store opened beside them is closed, what its opening threw added to {@code failure}. */
  private static void closeAfter(dev.warren.host.Beside<Store> opening, Throwable failure) {
    try {
      opening.join().close();
    } catch (RuntimeException | Error other) {
      failure.addSuppressed(other);
    }
  }

  /** Records the address actually bound (port 0 picks one) for the CLI and for tools. */
  private void writeListenFile(Config config) {
    try {
      java.nio.file.Path f = config.dataDir().resolve("listen");
      java.nio.file.Path tmp = config.dataDir().resolve("listen.tmp");
      java.nio.file.Files.writeString(tmp, config.listen().getAddress().getHostAddress() + ":" + api.port() + "\n");
      java.nio.file.Files.move(tmp, f, java.nio.file.StandardCopyOption.ATOMIC_MOVE, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    } catch (java.io.IOException e) {
      log.warn("cannot write {}: {}", config.dataDir().resolve("listen"), e.getMessage());
    }
  }

  public int port() {
    return api.port();
  }

  public ApiServer api() {
    return api;
  }

  public Tokens tokens() {
    return tokens;
  }

  public Instance instance() {
    return instance;
  }

  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    long t0 = System.nanoTime();
    boolean wasUp = events != null;
    if (api != null) {
      // drain the API first, while everything it calls (and the egress proxy its commands use) still works
      parts.remove(api);
      parts.push(api);
    }
    while (!parts.isEmpty()) {
      AutoCloseable c = parts.pop();
      try {
        c.close();
      } catch (Exception e) {
        log.warn("error while shutting down: {}", e.getMessage());
      }
      if (wasUp && c instanceof ApiServer) {
        events.record("controller.stopped", null, "API closed; sandboxes, shells and browsers keep running",
            java.time.Duration.ofNanos(System.nanoTime() - t0));
      }
    }
    if (wasUp) {
      log.atInfo().addKeyValue("ms", (System.nanoTime() - t0) / 1_000_000).log("Warren stopped; sandboxes keep running");
    }
  }
}
