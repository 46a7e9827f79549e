package dev.warren.client;

import java.util.List;
import java.util.Optional;

/**
 * The shell sessions of one sandbox ({@link Sandbox#sessions()}). A session is one long-lived bash
 * into which every command is sourced, so {@code cd}, variables, functions, aliases and options
 * persist from one command to the next. Sessions of a sandbox share its files and processes, not
 * their shell state, and run concurrently. Handles come in two kinds:
 * <ul>
 *   <li><b>owning</b>: {@link #create(SessionSpec)}; closing the handle deletes the session, so
 *       try-with-resources cleans up.
 *   <li><b>non-owning</b>: {@link #get(String)} and {@link #attach(String)}; closing the handle
 *       leaves the session alone.
 * </ul>
 * Thread-safe.
 */
public interface Sessions {

  /**
   * Starts a shell and answers an owning handle once it is ready. Not retried once the request
   * was sent (the server has no idempotency key for sessions, so a retry could start two shells);
   * retried only when the connection was refused before sending.
   *
   * @throws InvalidInputException when the server rejects the spec ({@code field()} names it)
   * @throws ConflictException when the sandbox is not running
   */
  Session create(SessionSpec spec);

  /** Starts a shell with no extra variables in the server's default directory. */
  default Session create() {
    return create(SessionSpec.defaults());
  }

  /** A non-owning handle, or empty when the sandbox has no such session. */
  Optional<Session> get(String id);

  /** Every session of the sandbox, ended ones included. */
  List<SessionInfo> list();

  /** A non-owning handle by id, without asking the server anything. */
  Session attach(String id);
}
