package dev.warren.build;

import dev.warren.net.EgressPolicy;
import dev.warren.runtime.ExecResult;
import dev.warren.runtime.ExecSpec;
import dev.warren.runtime.Limits;
import dev.warren.runtime.SandboxRuntime;
import dev.warren.sandbox.IdleAction;
import dev.warren.sandbox.Sandbox;
import dev.warren.sandbox.SandboxService;
import dev.warren.sandbox.SandboxSpec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A RUN: a sandbox made from the step's parent image (labelled {@value #LABEL} with the build's
 * id, egress as the build request allows, no disk of its own so its changes are a tree), the
 * command run to its end, then the sandbox stopped and its changes captured through the runtime
 * ({@link SandboxRuntime#captureLayer}: overlay's deletions and opaque directories kept, owners the
 * ids the sandbox saw) and written as a layer tar. The sandbox is deleted whatever happens.
 * Stateless; one build's thread calls it.
 */
final class RunStep {
  /** The label of a build's sandboxes; a sandbox carrying it that no build runs is removed at start-up. */
  static final String LABEL = "warren.build";
  static final Duration TIMEOUT = Duration.ofMinutes(30);
  private static final int MAX_OUTPUT = 1 << 20;

  private final SandboxService sandboxes;
  private final SandboxRuntime runtime;
  private final Limits limits;

  RunStep(SandboxService sandboxes, SandboxRuntime runtime, Limits limits) {
    this.sandboxes = sandboxes;
    this.runtime = runtime;
    this.limits = limits;
  }

  /** What a RUN did: its exit code and output lines (stdout, then stderr). */
  record Ran(int exitCode, List<String> output, boolean timedOut) {}

  /**
   * Runs {@code argv} in a sandbox of the image {@code digest}; when it exits 0, writes the
   * sandbox's changes into {@code tar} (the capture kept at {@code capture} until the caller
   * removes it).
   */
  Ran run(String buildId, String digest, List<String> argv, Map<String, String> env, String cwd, List<String> allow, LayerTar tar, Path capture)
      throws IOException {
    SandboxSpec spec = new SandboxSpec(dev.warren.image.StoredImages.stepReference(digest), Map.of(), Map.of(LABEL, buildId), limits, new EgressPolicy(allow, Optional.empty()), Duration.ZERO,
        Optional.empty(), IdleAction.STOP, Duration.ZERO, Optional.empty(), List.of());
    Sandbox s = sandboxes.create(spec, Optional.empty());
    try {
      ExecResult r = sandboxes.exec(s.id(), new ExecSpec(argv, env, Optional.of(cwd), new byte[0], TIMEOUT, MAX_OUTPUT));
      List<String> out = new ArrayList<>(lines(r.stdout()));
      out.addAll(lines(r.stderr()));
      if (r.exitCode() != 0 || r.timedOut()) {
        return new Ran(r.exitCode(), out, r.timedOut());
      }
      sandboxes.stop(s.id());
      SandboxRuntime.LayerCapture c = runtime.captureLayer(s.id(), capture);
      c.settle();
      c.finish();
      if (c.uidBase() != 0 || !java.nio.file.Files.isDirectory(capture, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
        throw new BuildException("the runtime " + runtime.name() + " captured the RUN's changes as a disk image, which a build cannot use yet");
      }
      TreeTar.write(capture, tar, true);
      return new Ran(0, out, false);
    } finally {
      sandboxes.delete(s.id());
    }
  }

  static List<String> lines(byte[] b) {
    if (b.length == 0) {
      return List.of();
    }
    String s = new String(b, StandardCharsets.UTF_8);
    if (s.endsWith("\n")) {
      s = s.substring(0, s.length() - 1);
    }
    return List.of(s.split("\n", -1));
  }
}
