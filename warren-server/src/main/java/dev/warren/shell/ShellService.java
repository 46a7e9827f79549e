package dev.warren.shell;

import dev.warren.error.Ids;
import dev.warren.error.Problem;
import dev.warren.events.Events;
import dev.warren.runtime.ExecSpec;
import dev.warren.runtime.GuestDir;
import dev.warren.runtime.SandboxRuntime;
import dev.warren.sandbox.Sandbox;
import dev.warren.sandbox.SandboxListener;
import dev.warren.sandbox.SandboxService;
import dev.warren.sandbox.SandboxState;
import dev.warren.store.Store;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Persistent shell sessions and their commands. A session is one bash in the sandbox that sources
 * each command, so state persists; commands of one session run one at a time in the order they
 * were submitted, sessions run concurrently. Nothing here is needed to keep a session going: the
 * shell, its queue (a FIFO) and every command's output and exit code live in the sandbox, and
 * {@link #recover()} rebuilds this side from the store and those files after a restart.
 *
 * <p>Thread-safe. This class owns the sessions' lives (create, attach, end, recover, and the
 * sandbox listener that ends them); the attached sessions are in {@link LiveSessions}, their command
 * queues are owned by {@link CommandQueue}, which the watch of each session's directory feeds, and
 * {@link Commands} is the API's door to both. None of those calls back into this class.
 */
public final class ShellService implements SandboxListener, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ShellService.class);
  static final Duration READY_WAIT = Duration.ofSeconds(15);
  public static final int INLINE_OUTPUT = 1 << 20;

  private final SandboxService sandboxes;
  private final SandboxRuntime runtime;
  private final ShellRepository repo;
  private final Events events;
  private final LiveSessions live;
  private final Waits waits = new Waits();
  private final CommandQueue queue;
  private final Commands commands;
  private final Terminals terminals;
  private final ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor(
      Thread.ofPlatform().daemon().name("warren-shell-timers").factory());
  private final ShellWatcher watcher;

  public ShellService(SandboxService sandboxes, SandboxRuntime runtime, Store store, Events events, int queueMax) {
    this.sandboxes = sandboxes;
    this.runtime = runtime;
    this.repo = new ShellRepository(store);
    this.events = events;
    this.live = new LiveSessions(repo, sandboxes);
    this.queue = new CommandQueue(repo, runtime, events, timers, live, waits, queueMax, new CommandQueue.PausedTime() {
      @Override
      public Duration pausedTime(String sandboxId) {
        return sandboxes.pausedTime(sandboxId);
      }

      @Override
      public boolean pausedNow(String sandboxId) {
        return sandboxes.pausedNow(sandboxId);
      }
    });
    this.commands = new Commands(live, queue, repo);
    this.terminals = new Terminals(sandboxes, runtime);
    sandboxes.addListener(this);
    this.watcher = new ShellWatcher(this, runtime, live.attached());
  }

  public Commands commands() {
    return commands;
  }

  public Terminals terminals() {
    return terminals;
  }

  // ---- sessions

  public ShellSession create(String sandboxId, Map<String, String> env, Optional<String> cwd) {
    env.forEach((k, v) -> {
      if (!k.matches("[A-Za-z_][A-Za-z0-9_]*") || k.startsWith("WARREN_")) {
        throw ShellException.badInput("env." + k, "environment names are letters, digits and '_' and may not start with WARREN_");
      }
      if (v.indexOf('\0') >= 0) {
        throw ShellException.badInput("env." + k, "environment values must not contain NUL");
      }
    });
    cwd.ifPresent(c -> {
      if (!c.startsWith("/") || c.indexOf('\0') >= 0) {
        throw ShellException.badInput("cwd", "cwd must be an absolute path");
      }
    });
    Sandbox sandbox = sandboxes.requireRunning(sandboxId, "start a session in");
    // an imported image may have no bash (one-shot exec runs without it): say so now, not after a timeout;
    // the built-in images have it, and their sessions start without the extra call
    if (!sandboxes.builtInImage(sandbox.spec().image()) && runtime.guest(sandboxId).files().stat("/bin/bash").filter(e -> e.type().equals("file")).isEmpty()) {
      throw new ShellException(Problem.CONFLICT, "sandbox " + sandboxId + " cannot run sessions: its image " + sandbox.spec().image()
          + " has no /bin/bash, which a session is; one-shot exec (POST /v1/sandboxes/" + sandboxId + "/exec) works without it");
    }
    String id = Ids.next("ses");
    ShellSession session = new ShellSession(id, sandboxId, sandbox.generation(), SessionState.STARTING, Optional.empty(), Optional.empty(),
        env, cwd, Instant.now(), Optional.empty());
    repo.insert(session);
    try {
      LiveSession ls = attach(session, 0);
      ls.prepare(4);
      Map<String, String> spawnEnv = new java.util.LinkedHashMap<>(env);
      spawnEnv.put("WARREN_SESSION_ID", id);
      runtime.guest(sandboxId).spawn(new ExecSpec(List.of("/bin/bash", "/.warren/session.sh", id), spawnEnv,
          Optional.of(cwd.or(() -> sandboxes.imageWorkingDir(sandboxId)).orElse("/workspace")), new byte[0], Duration.ofSeconds(30), 0));
      long pid = ls.ready.get(READY_WAIT.toMillis(), TimeUnit.MILLISECONDS);
      ShellSession ready = session.with(SessionState.READY, Optional.empty(), Optional.of(pid), Optional.empty());
      repo.update(ready);
      events.record("session.created", id, "in " + sandboxId);
      return ready;
    } catch (TimeoutException e) {
      end(session, "the shell did not start within " + READY_WAIT.toSeconds() + " s (does the image have /bin/bash?)");
      throw new ShellException(Problem.UNAVAILABLE, "session " + id + " did not start: its shell did not answer within "
          + READY_WAIT.toSeconds() + " s; the image needs /bin/bash");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      end(session, "interrupted while starting");
      throw new ShellException(Problem.UNAVAILABLE, "interrupted while starting session " + id);
    } catch (java.util.concurrent.ExecutionException | RuntimeException e) {
      end(session, "could not start: " + e.getMessage());
      if (e instanceof dev.warren.error.WarrenException we) {
        throw we;
      }
      throw new ShellException(Problem.UNAVAILABLE, "session " + id + " could not start: " + e.getMessage(), e);
    }
  }

  /** Opens the session's directory and watch; {@code lastSeq} continues its command numbering. */
  LiveSession attach(ShellSession s, long lastSeq) {
    GuestDir dir = runtime.guest(s.sandboxId()).dir(LiveSession.ROOT + "/" + s.id(), true);
    LiveSession[] holder = new LiveSession[1];
    try {
      LiveSession ls = new LiveSession(s.id(), s.sandboxId(), s.generation(), dir, lastSeq,
          name -> queue.onEntry(holder[0], name), () -> queue.recheck(holder[0]));
      holder[0] = ls;
      live.put(ls);
      ls.readyPid().ifPresent(ls.ready::complete);
      return ls;
    } catch (RuntimeException e) {
      dir.close();
      throw e;
    }
  }

  public ShellSession get(String sandboxId, String id) {
    return live.session(sandboxId, id);
  }

  public List<ShellSession> list(String sandboxId) {
    sandboxes.get(sandboxId);
    return repo.sessions(sandboxId);
  }

  /** Ends a session's shell and, unless {@code keepProcesses}, every process it started; removes its files. */
  public void delete(String sandboxId, String id, boolean keepProcesses) {
    ShellSession s = get(sandboxId, id);
    live.remove(id).ifPresent(ls -> {
      ls.close();
      ls.trackers.values().forEach(t -> t.done.completeExceptionally(new ShellException(Problem.CONFLICT, "session " + id + " was deleted")));
    });
    Sandbox sandbox = sandboxes.get(sandboxId);
    if (sandbox.state() == SandboxState.RUNNING && s.generation() == sandbox.generation()) {
      if (keepProcesses) {
        s.pid().ifPresent(pid -> runtime.guest(sandboxId).signalPid(pid, 9));
      } else {
        s.pid().ifPresent(pid -> runtime.guest(sandboxId).killSession(pid));
        runtime.guest(sandboxId).signalMarked("WARREN_SESSION_ID", id, 9);
      }
      try {
        runtime.guest(sandboxId).exec(new ExecSpec(List.of("rm", "-rf", "--", LiveSession.ROOT + "/" + id), Map.of(), Optional.empty(),
            new byte[0], Duration.ofSeconds(60), 4096));
      } catch (RuntimeException e) {
        log.warn("cannot remove the files of session {}: {}", id, e.getMessage());
      }
    }
    repo.deleteSession(id);
    events.record("session.deleted", id, keepProcesses ? "its processes were kept" : "");
  }

  /** Sets (or, for null values, unsets) environment variables in the session's shell. */
  public ShellSession setEnv(String sandboxId, String id, Map<String, Optional<String>> vars) {
    if (vars.isEmpty()) {
      throw ShellException.badInput("vars", "vars must name at least one variable");
    }
    StringBuilder script = new StringBuilder();
    for (var e : vars.entrySet()) {
      if (!e.getKey().matches("[A-Za-z_][A-Za-z0-9_]*")) {
        throw ShellException.badInput("vars." + e.getKey(), "variable names are letters, digits and '_', not starting with a digit");
      }
      if (e.getValue().isPresent() && e.getValue().get().indexOf('\0') >= 0) {
        throw ShellException.badInput("vars." + e.getKey(), "values must not contain NUL");
      }
      if (e.getValue().isPresent()) {
        script.append("export ").append(e.getKey()).append('=').append(Quoting.ansiC(e.getValue().get())).append('\n');
      } else {
        script.append("unset ").append(e.getKey()).append('\n');
      }
    }
    ShellCommand c = commands.submit(sandboxId, id, script.toString(), Optional.empty(), false, Optional.empty(), Duration.ofSeconds(60));
    if (!c.state().done() || c.exitCode().orElse(1) != 0) {
      throw new ShellException(Problem.CONFLICT, "setting the environment of session " + id + " did not finish: " + c.state().wire());
    }
    return get(sandboxId, id);
  }

  private void end(ShellSession s, String why) {
    live.end(s, why);
  }

  boolean sandboxRunning(String sandboxId) {
    try {
      return sandboxes.get(sandboxId).state() == SandboxState.RUNNING;
    } catch (RuntimeException e) {
      return false;
    }
  }

  /** The shell of a live session vanished (killed from outside): end the session and what its commands left running. */
  void shellGone(LiveSession ls, long pid) {
    ShellSession s = repo.session(ls.id).orElse(null);
    if (s == null || s.state() == SessionState.ENDED) {
      return;
    }
    String why = ls.refusal().map(r -> "its shell (pid " + pid + " in the sandbox) refused the controller: " + r)
        .orElse("its shell (pid " + pid + " in the sandbox) was killed or ended outside Warren's control");
    log.warn("session {} in {}: {}", ls.id, ls.sandboxId, why);
    events.record("session.shell-gone", ls.id, why);
    end(s, why);
    runtime.guest(ls.sandboxId).signalMarked("WARREN_SESSION_ID", ls.id, 9);
  }

  // ---- sandbox life cycle

  @Override
  public void stopping(Sandbox sandbox) {
    terminals.closeAll(sandbox.id());
    for (ShellSession s : repo.sessions(sandbox.id())) {
      if (s.state() != SessionState.ENDED) {
        end(s, "its sandbox stopped (generation " + s.generation() + ")" + sandbox.stateReason().map(r -> ": " + r).orElse(""));
      }
    }
  }

  /**
   * Re-attaches the sessions of running sandboxes after a controller start; ends the others, and
   * those whose create was interrupted (nobody was answered; their shell is killed).
   */
  public void recover() {
    int attached = 0;
    for (ShellSession s : repo.live()) {
      try {
        // the running sandboxes were adopted before this: one not known to run is stopped, or being settled in the background
        Optional<Sandbox> sandbox = sandboxes.running(s.sandboxId());
        if (sandbox.isEmpty() || sandbox.get().generation() != s.generation()) {
          end(s, "its sandbox restarted or stopped while the controller was down");
          continue;
        }
        if (s.state() == SessionState.STARTING) {
          // nobody was answered: undone, like an interrupted sandbox create; its shell, if it started, ends
          end(s, "its create was interrupted by a controller restart");
          runtime.guest(s.sandboxId()).signalMarked("WARREN_SESSION_ID", s.id(), 9);
          continue;
        }
        List<ShellCommand> unfinished = repo.unfinished(s.id());
        LiveSession ls = attach(s, repo.nextSeq(s.id()) - 1);
        ls.skipAfterRestart(repo.nextSeq(s.id()) - 1);
        Optional<Long> pid = s.pid().or(ls::readyPid);
        if (pid.isEmpty() || !runtime.guest(s.sandboxId()).signalPid(pid.get(), 0)) {
          end(s, "its shell was gone when the controller started");
          runtime.guest(s.sandboxId()).signalMarked("WARREN_SESSION_ID", s.id(), 9);
          continue;
        }
        queue.recover(ls, unfinished);
        attached++;
      } catch (RuntimeException e) {
        log.warn("cannot recover session {}: {}", s.id(), e.getMessage());
        end(s, "could not be recovered: " + e.getMessage());
      }
    }
    if (attached > 0) {
      log.info("recovered {} shell sessions", attached);
    }
    watcher.start();
  }

  @Override
  public void close() {
    watcher.close();
    terminals.closeAll();
    timers.shutdownNow();
    live.closeAll();
    queue.close();
  }


  /**
   * Makes every synchronous wait for a command (a submit with a wait, {@code GET …?wait=}) stop
   * now and answer with the job as it is; the commands run on. Called when the controller shuts
   * down, so callers get an answer instead of a cut connection.
   */
  public void endWaits() {
    waits.endAll();
  }
}
