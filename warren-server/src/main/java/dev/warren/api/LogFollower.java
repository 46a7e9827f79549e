package dev.warren.api;

import dev.warren.error.WarrenException;
import dev.warren.shell.Commands;
import dev.warren.shell.ShellCommand;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import dev.warren.runtime.ReadableFile;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * Streams a command's stdout or stderr as Server-Sent Events while it is produced, from any byte
 * offset: each {@code output} event carries base64 bytes and, as its id, the offset after them, so
 * a client that lost its connection resumes exactly there ({@code Last-Event-ID} or
 * {@code ?offset=}). An {@code exit} event with the job ends the stream once every byte was sent;
 * when the controller shuts down the stream ends without one, and the client resumes later. When
 * the API token that opened the stream is revoked, the stream ends at once (within
 * {@value #REVOKED_CHECK_MILLIS} ms), with a comment saying so and no exit event.
 */
final class LogFollower {
  private static final long POLL_MILLIS = 20;
  private static final long HEARTBEAT_MILLIS = 15_000;
  private static final long REVOKED_CHECK_MILLIS = 250;

  private final Commands commands;
  private final String sandboxId;
  private final String sessionId;
  private final String commandId;
  private final String stream;
  private final java.util.function.BooleanSupplier stopping;
  private final java.util.function.BooleanSupplier revoked;

  LogFollower(Commands commands, String sandboxId, String sessionId, String commandId, String stream,
      java.util.function.BooleanSupplier stopping, java.util.function.BooleanSupplier revoked) {
    this.stopping = stopping;
    this.revoked = revoked;
    this.commands = commands;
    this.sandboxId = sandboxId;
    this.sessionId = sessionId;
    this.commandId = commandId;
    this.stream = stream;
  }

  void stream(Context ctx, long offset) throws IOException {
    if (!stream.equals("stdout") && !stream.equals("stderr")) {
      throw WarrenException.invalid("stream", "stream must be stdout or stderr");
    }
    ctx.status(200);
    ctx.res().setContentType("text/event-stream");
    ctx.res().setHeader("Cache-Control", "no-cache");
    ctx.res().setHeader("X-Accel-Buffering", "no");
    OutputStream out = ctx.res().getOutputStream();
    send(out, ": following " + stream + " of " + commandId + " from byte " + offset + "\n\n");
    ReadableFile ch = null;
    long lastWrite = System.currentTimeMillis();
    long lastCheck = lastWrite;
    byte[] buf = new byte[1 << 16];
    try {
      while (true) {
        if (stopping.getAsBoolean()) {
          // no exit event: clients reconnect from the last id once Warren is back
          send(out, ": " + Drain.REASON + "; resume from byte " + offset + "\n\n");
          return;
        }
        if (System.currentTimeMillis() - lastCheck >= REVOKED_CHECK_MILLIS) {
          lastCheck = System.currentTimeMillis();
          if (revoked.getAsBoolean()) {
            send(out, ": the API token that opened this stream has been revoked\n\n");
            return;
          }
        }
        ShellCommand c = commands.get(sandboxId, sessionId, commandId);
        if (ch == null) {
          try {
            ch = commands.output(sandboxId, sessionId, commandId, stream);
          } catch (WarrenException e) {
            if (c.state().done()) {
              exit(out, c);
              return;
            }
          }
        }
        boolean sent = false;
        if (ch != null) {
          int n;
          while ((n = ch.read(ByteBuffer.wrap(buf), offset)) > 0) {
            offset += n;
            send(out, "event: output\nid: " + offset + "\ndata: " + ShellRoutes.base64(buf, n) + "\n\n");
            sent = true;
            lastWrite = System.currentTimeMillis();
          }
        }
        if (!sent && c.state().done()) {
          if (ch == null || offset >= ch.size()) {
            exit(out, c);
            return;
          }
          continue;
        }
        if (!sent) {
          if (System.currentTimeMillis() - lastWrite > HEARTBEAT_MILLIS) {
            send(out, ": still running\n\n");
            lastWrite = System.currentTimeMillis();
          }
          Thread.sleep(POLL_MILLIS);
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      if (ch != null) {
        ch.close();
      }
    }
  }

  private void exit(OutputStream out, ShellCommand c) throws IOException {
    send(out, "event: exit\ndata: " + Json.MAPPER.writeValueAsString(ShellJson.command(c, Optional.empty(), Optional.empty())) + "\n\n");
  }

  private static void send(OutputStream out, String s) throws IOException {
    out.write(s.getBytes(StandardCharsets.UTF_8));
    out.flush();
  }
}
