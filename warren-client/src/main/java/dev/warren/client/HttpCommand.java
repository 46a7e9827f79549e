package dev.warren.client;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;

/** {@link Command} over HTTP; stateless apart from its ids, thread-safe. */
final class HttpCommand implements Command {

  /** Longest wait one call asks the server for; longer waits take several calls. */
  static final Duration MAX_WAIT_PER_CALL = Duration.ofSeconds(60);
  /** A waiting call's HTTP timeout is its wait plus this margin. */
  static final Duration WAIT_MARGIN = Duration.ofSeconds(30);

  private final HttpTransport transport;
  private final String sessionId;
  private final String id;
  private final String path;
  private final Duration idleLimit;

  HttpCommand(HttpTransport transport, String sessionPath, String sessionId, String id, Duration idleLimit) {
    this.transport = transport;
    this.sessionId = sessionId;
    this.id = Urls.id("command", id);
    this.path = sessionPath + "/commands/" + id;
    this.idleLimit = idleLimit;
  }

  @Override
  public String id() {
    return id;
  }

  @Override
  public String sessionId() {
    return sessionId;
  }

  @Override
  public CommandInfo info() {
    return transport.sendJson(Call.get(path + "?output=false"), ShellWire::commandInfo);
  }

  @Override
  public CommandResult await(Duration wait) {
    Objects.requireNonNull(wait, "wait");
    if (wait.isNegative()) throw new IllegalArgumentException("wait must not be negative, got " + wait);
    long deadline = System.nanoTime() + wait.toNanos();
    while (true) {
      Duration left = Duration.ofNanos(Math.max(0, deadline - System.nanoTime()));
      Duration chunk = left.compareTo(MAX_WAIT_PER_CALL) > 0 ? MAX_WAIT_PER_CALL : left;
      var call = Call.get(path + "?wait=" + ShellWire.secondsQuery(chunk)).timeout(chunk.plus(WAIT_MARGIN));
      CommandResult result = transport.sendJson(call, ShellWire::commandResult);
      if (result.isDone() || deadline - System.nanoTime() <= 0) return result;
    }
  }

  @Override
  public CommandResult followStdout(long offset, Consumer<byte[]> sink) {
    return follow("stdout", offset, sink);
  }

  @Override
  public CommandResult followStderr(long offset, Consumer<byte[]> sink) {
    return follow("stderr", offset, sink);
  }

  private CommandResult follow(String stream, long offset, Consumer<byte[]> sink) {
    Objects.requireNonNull(sink, "sink");
    CommandInfo end = new OutputFollower(transport, path + "/logs", stream, idleLimit).follow(offset, sink);
    try {
      return transport.sendJson(Call.get(path), ShellWire::commandResult);
    } catch (NotFoundException | ConflictException sessionGone) {
      // the session ended or was deleted right after the command: the exit event is all there is
      return new CommandResult(end, "", "", end.stdoutBytes() > 0, end.stderrBytes() > 0);
    }
  }

  @Override
  public byte[] stdout(long offset) {
    return logs("stdout", offset);
  }

  @Override
  public byte[] stderr(long offset) {
    return logs("stderr", offset);
  }

  private byte[] logs(String stream, long offset) {
    if (offset < 0) throw new IllegalArgumentException("offset must not be negative, got " + offset);
    return transport.send(Call.get(path + "/logs?stream=" + stream + "&offset=" + offset)).body();
  }

  @Override
  public void stdin(byte[] data) {
    Objects.requireNonNull(data, "data");
    transport.send(Call.post(path + "/stdin", Call.Retry.BEFORE_SEND).body(data, "application/octet-stream"));
  }

  @Override
  public void closeStdin() {
    stdinAndClose(new byte[0]);
  }

  /** Writes stdin bytes and closes it, in one call. */
  void stdinAndClose(byte[] data) {
    transport.send(Call.post(path + "/stdin?eof=true", Call.Retry.BEFORE_SEND).body(data, "application/octet-stream"));
  }

  @Override
  public CommandInfo signal(Signal signal) {
    Objects.requireNonNull(signal, "signal");
    // a repeated INT could stop what the script runs after the first one handled it
    var call = Call.post(path + "/signal", Call.Retry.BEFORE_SEND).json(Map.of("signal", signal.wireName()));
    return transport.sendJson(call, ShellWire::commandInfo);
  }

  @Override
  public String toString() {
    return "Command[" + id + " in " + sessionId + "]";
  }
}
