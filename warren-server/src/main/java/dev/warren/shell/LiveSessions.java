package dev.warren.shell;

import dev.warren.error.Problem;
import dev.warren.sandbox.SandboxService;
import java.time.Instant;
import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The sessions this controller has attached (their {@link LiveSession}), looked up by the API's
 * calls and ended from wherever an end is noticed: a delete, the sandbox stopping, the shell
 * watcher, a command whose timeout killed the shell. Thread-safe: the map is concurrent; a session
 * is put by {@link ShellService} when it attaches and removed, once, by whichever thread ends it.
 */
final class LiveSessions {
  private final ShellRepository repo;
  private final SandboxService sandboxes;
  private final Map<String, LiveSession> live = new ConcurrentHashMap<>();

  LiveSessions(ShellRepository repo, SandboxService sandboxes) {
    this.repo = repo;
    this.sandboxes = sandboxes;
  }

  /** The session as stored, or 404. */
  ShellSession session(String sandboxId, String id) {
    return repo.session(id).filter(x -> x.sandboxId().equals(sandboxId)).orElseThrow(() -> ShellException.noSession(sandboxId, id));
  }

  /** The live side of a ready session, or 409 when it has ended. Counts as activity of its sandbox. */
  LiveSession live(String sandboxId, String id) {
    LiveSession attached = live.get(id);
    if (attached != null && !attached.closed() && attached.sandboxId.equals(sandboxId) && sandboxes.running(sandboxId).isPresent()) {
      // attached sessions are closed before their sandbox stops, so this one's sandbox runs (a paused
      // one is not known as running: it goes the long way below, which resumes it)
      sandboxes.touch(sandboxId);
      return attached;
    }
    ShellSession s = session(sandboxId, id);
    if (s.state() == SessionState.ENDED) {
      throw ShellException.ended(s);
    }
    sandboxes.requireRunning(sandboxId, "use a session in");
    LiveSession ls = live.get(id);
    if (ls == null || ls.closed()) {
      throw new ShellException(Problem.CONFLICT, "session " + id + " is not attached (its sandbox restarted?)");
    }
    return ls;
  }

  void put(LiveSession ls) {
    live.put(ls.id, ls);
  }

  Optional<LiveSession> remove(String id) {
    return Optional.ofNullable(live.remove(id));
  }

  /** The attached sessions, live: the shell watcher sweeps them. */
  Map<String, LiveSession> attached() {
    return live;
  }

  Collection<LiveSession> all() {
    return live.values();
  }

  /** Ends the session stored as {@code id}, if it is stored (see {@link #end(ShellSession, String)}). */
  void end(String id, String why) {
    repo.session(id).ifPresent(s -> end(s, why));
  }

  /** Closes what is open for the session, stores it ended and its unfinished commands lost, and wakes their waiters. */
  void end(ShellSession s, String why) {
    Optional<LiveSession> ls = remove(s.id());
    ls.ifPresent(LiveSession::close);
    // its commands are lost before the session reads ended, so that whoever sees it ended sees them lost too;
    // and once more after, for a command submitted in between
    loseUnfinished(s.id(), why);
    repo.update(s.with(SessionState.ENDED, Optional.of(why), s.pid(), Optional.of(Instant.now())));
    loseUnfinished(s.id(), why);
    ls.ifPresent(l -> l.trackers.forEach((cid, t) -> repo.command(cid).ifPresent(t.done::complete)));
  }

  private void loseUnfinished(String sessionId, String why) {
    for (ShellCommand c : repo.unfinished(sessionId)) {
      repo.update(c.lost(why, 0, 0));
    }
  }

  void closeAll() {
    live.values().forEach(LiveSession::close);
    live.clear();
  }
}
