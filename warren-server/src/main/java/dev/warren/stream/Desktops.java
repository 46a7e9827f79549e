package dev.warren.stream;

import dev.warren.events.Events;
import dev.warren.runtime.ExecResult;
import dev.warren.runtime.ExecSpec;
import dev.warren.runtime.GuestFiles;
import dev.warren.runtime.SandboxRuntime;
import dev.warren.sandbox.Desktop;
import dev.warren.sandbox.Sandbox;
import dev.warren.sandbox.SandboxListener;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts the desktop of every sandbox that asked for one, at each start of the sandbox: Xvfb on
 * display {@code :99} at the asked size, then x11vnc on it, listening on the sandbox's own loopback
 * alone, without a password: nothing outside the sandbox reaches it but the controller, which
 * connects to it inside the sandbox ({@link SandboxRuntime#connect}). The configuration is given on the command lines at start, never
 * written into the image. Registered before the browser service, so a headed Chromium finds its
 * display. Stateless; thread-safe.
 */
public final class Desktops implements SandboxListener {
  private static final Logger log = LoggerFactory.getLogger(Desktops.class);
  static final Duration DISPLAY_WAIT = Duration.ofSeconds(10);
  static final String MARK = "WARREN_DESKTOP";

  private final SandboxRuntime runtime;
  private final Events events;

  public Desktops(SandboxRuntime runtime, Events events) {
    this.runtime = runtime;
    this.events = events;
  }

  @Override
  public void started(Sandbox sandbox) {
    Optional<Desktop> d = sandbox.spec().desktop();
    if (d.isEmpty()) {
      return;
    }
    try {
      start(sandbox, d.get());
    } catch (RuntimeException e) {
      log.warn("the desktop of {} did not start: {}", sandbox.id(), e.getMessage());
      events.record("sandbox.desktop-failed", sandbox.id(), e.getMessage());
    }
  }

  private void start(Sandbox s, Desktop d) {
    long t0 = System.nanoTime();
    String display = ":" + Desktop.DISPLAY;
    // the lock and socket of the previous generation are still in the sandbox's /tmp
    ExecResult clean = runtime.guest(s.id()).exec(new ExecSpec(List.of("rm", "-f", "/tmp/.X" + Desktop.DISPLAY + "-lock",
        "/tmp/.X11-unix/X" + Desktop.DISPLAY), Map.of(), Optional.empty(), new byte[0], Duration.ofSeconds(10), 4096));
    if (clean.exitCode() != 0) {
      throw new IllegalStateException("cannot clear the old display lock: " + new String(clean.stderr(), StandardCharsets.UTF_8).strip());
    }
    Map<String, String> env = Map.of(MARK, s.id());
    runtime.guest(s.id()).spawn(new ExecSpec(List.of("Xvfb", display, "-screen", "0", d.width() + "x" + d.height() + "x24", "-nolisten", "tcp",
        "-dpi", "96"), env, Optional.empty(), new byte[0], Duration.ofSeconds(30), 0));
    awaitDisplay(s.id());
    startVnc(s.id());
    log.info("desktop of {} ({}x{}) started in {} ms", s.id(), d.width(), d.height(), (System.nanoTime() - t0) / 1_000_000);
  }

  /** x11vnc on the display, on the sandbox's loopback alone, without a password: only the controller reaches it. */
  private void startVnc(String id) {
    runtime.guest(id).spawn(new ExecSpec(List.of("x11vnc", "-display", ":" + Desktop.DISPLAY, "-rfbport", Integer.toString(Desktop.VNC_PORT),
        "-localhost", "-noipv6", "-forever", "-shared", "-nopw", "-quiet", "-xkb", "-noxrecord", "-noxfixes", "-wait", "10",
        "-defer", "10"), Map.of(MARK, id), Optional.empty(), new byte[0], Duration.ofSeconds(30), 0));
  }

  /**
   * For a running sandbox this controller adopted at start-up: an x11vnc that an older Warren
   * started on the sandbox's address (open to the host's network) is replaced by one on loopback,
   * which is also the only one the controller can reach now. The viewers of the old one are cut.
   */
  public void adopted(Sandbox s) {
    if (s.spec().desktop().isEmpty()) {
      return;
    }
    ExecResult r = runtime.guest(s.id()).exec(new ExecSpec(List.of("sh", "-c", "if ss -Hltn \"sport = :$1\" | grep -v \" 127.0.0.1:$1 \" | grep -q .; "
        + "then pkill -x x11vnc; echo replaced; fi", "adopt", Integer.toString(Desktop.VNC_PORT)), Map.of(), Optional.empty(), new byte[0],
        Duration.ofSeconds(10), 4096));
    if (new String(r.stdout(), StandardCharsets.UTF_8).contains("replaced")) {
      startVnc(s.id());
      log.info("the VNC server of {}, started by an older Warren on the sandbox's address, now listens on its loopback alone", s.id());
    }
  }

  /** Xvfb is ready when its socket exists. */
  private void awaitDisplay(String id) {
    GuestFiles files = runtime.guest(id).files();
    String socket = "/tmp/.X11-unix/X" + Desktop.DISPLAY;
    long deadline = System.nanoTime() + DISPLAY_WAIT.toNanos();
    while (files.stat(socket).isEmpty()) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("Xvfb did not open display :" + Desktop.DISPLAY + " within " + DISPLAY_WAIT.toSeconds() + " s");
      }
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for the display of " + id);
      }
    }
  }
}
