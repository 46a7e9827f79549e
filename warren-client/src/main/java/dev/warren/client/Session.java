package dev.warren.client;

import java.util.List;
import java.util.Map;

/**
 * A handle to one shell session. Commands run one at a time in the order they were submitted, each
 * sourced into the same bash, so shell state carries over:
 *
 * <pre>{@code
 * try (Session sh = sbx.sessions().create(SessionSpec.builder().cwd("/workspace").build())) {
 *   sh.run("cd /tmp && export X=1");
 *   CommandResult r = sh.run("echo $X; pwd");          // "1\n/tmp\n"
 *   Command job = sh.start("make -j8");
 *   CommandResult end = job.followStdout(System.out::writeBytes);
 * }   // the session is deleted here
 * }</pre>
 *
 * <p>Closing an owning handle (from {@link Sessions#create(SessionSpec)}) deletes the session;
 * closing a non-owning one does not. {@code close()} is idempotent and the handle is unusable
 * afterwards ({@link IllegalStateException}); {@link Command} handles it gave out keep working as
 * long as the session exists. Once the session ended (deleted, or its sandbox stopped or restarted)
 * calls answer {@link ConflictException} with {@code state()} {@code "ended"}. Thread-safe.
 */
public interface Session extends AutoCloseable {

  /** The session id, e.g. {@code ses_01JD…}. */
  String id();

  /** The id of the sandbox the session runs in. */
  String sandboxId();

  /** Asks the server for the session's state. */
  SessionInfo info();

  /** Runs a script and waits up to {@link CommandRequest#DEFAULT_WAIT} for it. */
  default CommandResult run(String command) {
    return run(CommandRequest.of(command));
  }

  /**
   * Runs a command and waits up to its {@code waitFor} (nothing when {@code async}). A command
   * still queued or running then is answered as it is: check {@link CommandResult#isDone()}. The
   * submit is not retried once sent, since the command could then run twice; later waiting is.
   *
   * @throws ConflictException when the session has ended
   * @throws InvalidInputException when the server rejects the request ({@code field()} names it)
   */
  CommandResult run(CommandRequest request);

  /** Submits a script without waiting and answers a handle to follow it. */
  default Command start(String command) {
    return start(CommandRequest.of(command));
  }

  /** Submits a command without waiting (whatever its {@code waitFor}) and answers a handle. */
  Command start(CommandRequest request);

  /** A handle to a command of this session by id, without asking the server anything. */
  Command command(String commandId);

  /** The session's commands, newest first. */
  List<CommandInfo> commands();

  /**
   * Exports variables in the session's shell; values arrive exactly (quotes, newlines, {@code $},
   * unicode). Runs as a command, so it waits for the commands ahead of it.
   */
  SessionInfo setEnv(Map<String, String> vars);

  /** Unsets variables in the session's shell. */
  SessionInfo unsetEnv(String... names);

  /** Whether {@link #close()} deletes the session. */
  boolean deletesOnClose();

  /** Deletes the session and every process it started, owning or not, and closes the handle. */
  default void delete() {
    delete(false);
  }

  /**
   * Ends the shell and removes the session's files, owning or not, and closes the handle. Already
   * gone is fine.
   *
   * @param keepProcesses leave the processes the session started (e.g. {@code nohup} servers) running
   */
  void delete(boolean keepProcesses);

  /** Deletes the session if this handle owns it (a 404 is fine); then the handle is closed. */
  @Override
  void close();
}
