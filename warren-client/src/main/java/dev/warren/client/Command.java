package dev.warren.client;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.function.Consumer;

/**
 * A handle to one command of a session, from {@link Session#start(CommandRequest)} or
 * {@link Session#command(String)}. It holds no resources; every method is a call to the server.
 * The command's output is kept in the sandbox and can be read again from any byte offset while the
 * session exists. Thread-safe.
 */
public interface Command {

  /** The command id, e.g. {@code cmd_01JD…}. */
  String id();

  /** The id of its session. */
  String sessionId();

  /** Asks the server for the command's state, without its output. */
  CommandInfo info();

  /**
   * Waits up to {@code wait} for the command to end and answers it with the start of its output;
   * still running when the wait ran out is answered as it is (check {@link CommandResult#isDone()}).
   * Long waits are split into calls of a minute at most, each retried like a read.
   */
  CommandResult await(Duration wait);

  /**
   * Streams standard output to {@code sink} as it is produced, from its first byte, and answers the
   * command once it ended and every byte was handed over. A dropped connection is resumed at the
   * last byte received ({@code Last-Event-ID}), so no byte is lost or repeated; after
   * {@code maxAttempts} failures in a row without progress it gives up with
   * {@link UnavailableException}. {@code sink} runs on the calling thread, chunks in order; an
   * exception from it ends the stream and propagates.
   */
  default CommandResult followStdout(Consumer<byte[]> sink) {
    return followStdout(0, sink);
  }

  /** Like {@link #followStdout(Consumer)}, from byte {@code offset} of the stream. */
  CommandResult followStdout(long offset, Consumer<byte[]> sink);

  /** Streams standard error from its first byte; see {@link #followStdout(Consumer)}. */
  default CommandResult followStderr(Consumer<byte[]> sink) {
    return followStderr(0, sink);
  }

  /** Streams standard error from byte {@code offset}; see {@link #followStdout(Consumer)}. */
  CommandResult followStderr(long offset, Consumer<byte[]> sink);

  /** The exact bytes of standard output written so far. */
  default byte[] stdout() {
    return stdout(0);
  }

  /** The bytes of standard output from {@code offset} to what was written so far. */
  byte[] stdout(long offset);

  /** The exact bytes of standard error written so far. */
  default byte[] stderr() {
    return stderr(0);
  }

  /** The bytes of standard error from {@code offset} to what was written so far. */
  byte[] stderr(long offset);

  /**
   * Writes to the command's standard input; it must have been started with stdin or
   * {@link CommandRequest#keepStdinOpen(boolean)} ({@link ConflictException} otherwise, or once closed).
   * Not retried once sent, since the bytes could then arrive twice.
   */
  void stdin(byte[] data);

  default void stdin(String text) {
    stdin(text.getBytes(StandardCharsets.UTF_8));
  }

  /** Closes the command's standard input: it reads end of file. */
  void closeStdin();

  /** Sends a signal to every process the command started; see {@link Signal}. A no-op once it ended. */
  CommandInfo signal(Signal signal);
}
