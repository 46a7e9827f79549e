package dev.warren.build;

import dev.warren.error.Ids;
import dev.warren.error.Problem;
import dev.warren.error.WarrenException;
import dev.warren.image.ImageRef;
import dev.warren.image.ImageStore;
import dev.warren.image.Images;
import dev.warren.image.StepTrees;
import dev.warren.image.TarReader;
import dev.warren.image.UserImage;
import dev.warren.runtime.Limits;
import dev.warren.runtime.SandboxRuntime;
import dev.warren.sandbox.Sandbox;
import dev.warren.sandbox.SandboxService;
import dev.warren.store.Store;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Dockerfile builds: {@link #start} reads the context and the Dockerfile in the caller's thread
 * (what is wrong with them is the caller's 400 at once), then builds on a virtual thread of its
 * own ({@code image-build-<id>}) in a work directory under the image store's {@code tmp/}, removed
 * when it ends. Builds are rows of {@code image_builds} (a build a killed controller left running
 * is marked failed at start-up, {@link #reconcile}) and, while this controller runs, objects a
 * follower reads the log of. Thread-safe.
 */
public final class ImageBuilds {
  private static final Logger log = LoggerFactory.getLogger(ImageBuilds.class);
  private static final int KEPT = 200;

  private final ImageStore store;
  private final Images builtIn;
  private final SandboxService sandboxes;
  private final RunStep runs;
  private final BuildRepository repo;
  private final Map<String, Build> live = new ConcurrentHashMap<>();

  public ImageBuilds(Store db, ImageStore store, Images builtIn, SandboxService sandboxes, SandboxRuntime runtime, Limits runLimits) {
    this.store = store;
    this.builtIn = builtIn;
    this.sandboxes = sandboxes;
    this.runs = new RunStep(sandboxes, runtime, new Limits(runLimits.memoryMb(), runLimits.pids(), runLimits.cpus(), Limits.NO_DISK, Limits.NO_DISK));
    this.repo = new BuildRepository(db);
  }

  /**
   * At start-up, once sandboxes are served: the builds a killed controller left running are
   * failed, and their sandboxes deleted. Returns a line saying what it did.
   */
  public String reconcile() {
    int failed = repo.failUnfinished("the controller stopped during the build; nothing was tagged");
    int removed = 0;
    // as stored: a list would wait for (and hurry) the restart's background reconciliation of every
    // sandbox before the controller serves; the delete waits for each build sandbox's own lock
    for (Sandbox s : sandboxes.listAsStored(Map.of())) {
      if (s.spec().labels().containsKey(RunStep.LABEL)) {
        try {
          sandboxes.delete(s.id());
          removed++;
        } catch (RuntimeException e) {
          log.warn("cannot delete the build sandbox {}: {}", s.id(), e.getMessage());
        }
      }
    }
    return failed + " unfinished builds failed, " + removed + " build sandboxes removed";
  }

  /** Reads the context tar from {@code body}, parses its Dockerfile, and starts building it as {@code ref}. */
  public Build start(ImageRef ref, InputStream body, BuildOptions options) {
    String id = Ids.next("bld");
    Path work = store.workDirectory(id);
    Dockerfile file;
    BuildContext context;
    try {
      context = BuildContext.unpack(body, work.resolve("context"));
      file = Dockerfile.parse(context.dockerfile(options.dockerfile()));
      context.applyIgnore();
    } catch (TarReader.Malformed | java.io.EOFException e) {
      remove(work);
      throw WarrenException.invalid("body", "the build context is not a complete tar: " + e.getMessage());
    } catch (IOException e) {
      remove(work);
      throw new WarrenException(Problem.UNAVAILABLE, "cannot write the build context under " + work + ": " + e.getMessage(), e);
    } catch (RuntimeException e) {
      remove(work);
      throw e;
    }
    Build b = new Build(id, ref.toString(), Instant.now(), file.instructions(), repo::save);
    repo.save(b);
    keep(b);
    Thread.ofVirtual().name("image-build-" + id).start(() -> {
      long t0 = System.nanoTime();
      try {
        UserImage i = new DockerfileBuild(store, builtIn, runs, b, file, context, options, work).run(ref);
        b.succeeded(i.digest());
        log.info("built image {} {} in {} ms ({})", ref, i.digest(), (System.nanoTime() - t0) / 1_000_000, id);
      } catch (DockerfileBuild.StepFailed f) {
        b.cause(new BuildException(f.getMessage(), Map.of("buildId", id, "step", f.step, "line", f.line, "exitCode", f.exitCode, "output", f.tail)));
        b.failed(Optional.of(f.step), Optional.of(f.exitCode), f.tail, f.getMessage());
      } catch (WarrenException e) {
        b.cause(e);
        b.failed(Optional.empty(), Optional.empty(), List.of(), e.getMessage());
      } catch (IOException | RuntimeException e) {
        BuildException failure = new BuildException("build " + id + " of " + ref + " failed: " + e, e);
        log.warn("build {} of {} failed", id, ref, e);
        b.cause(failure);
        b.failed(Optional.empty(), Optional.empty(), List.of(), failure.getMessage());
      } finally {
        remove(work);
      }
    });
    return b;
  }

  /**
   * Empties the build cache (the untagged images of build steps; tagged images keep theirs): the
   * next build runs every step. 409 while a build runs. Returns {@code [steps, files]} removed.
   */
  public int[] pruneCache() {
    if (live.values().stream().anyMatch(b -> b.state() == Build.State.RUNNING)) {
      throw new WarrenException(Problem.CONFLICT, "a build is running; prune the build cache once it ended");
    }
    return store.pruneBuildCache();
  }

  /** The build {@code id} of the image {@code name} (as this controller follows it, or as the store kept it). */
  public Optional<Build> find(String name, String id) {
    Optional<Build> b = Optional.ofNullable(live.get(id)).or(() -> repo.find(id));
    return b.filter(x -> x.name().equals(name) || x.name().equals(name + ":" + ImageRef.LATEST));
  }

  private void keep(Build b) {
    live.put(b.id(), b);
    if (live.size() > KEPT) {
      live.values().stream().filter(x -> x.state() != Build.State.RUNNING).sorted(java.util.Comparator.comparing(Build::createdAt))
          .limit(live.size() - KEPT).toList().forEach(x -> live.remove(x.id()));
    }
  }

  private static void remove(Path work) {
    try {
      StepTrees.delete(work);
    } catch (IOException e) {
      log.warn("cannot remove the build directory {}: {}", work, e.toString());
    }
  }
}
