package dev.warren.api;

import dev.warren.runtime.ExecResult;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import tools.jackson.core.Base64Variants;
import tools.jackson.core.JsonGenerator;

/**
 * The answer of {@code POST /v1/sandboxes/{id}/exec}, bounded in bytes. Each stream goes out as a
 * JSON string of its UTF-8 text ({@code stdoutEncoding: "utf-8"}) when it is valid UTF-8 whose
 * escaped form is no larger than base64 would be, else as base64 ({@code "base64"}): a byte costs
 * at most 4/3 of a byte in the answer, never the 6 that {@code \u0001} takes. Together the two
 * encoded streams take at most {@link #MAX_OUTPUT} bytes; what does not fit is cut (at a character
 * boundary, fairly between the streams) and said ({@code truncated}, {@code stdoutTruncated},
 * {@code stdoutBytes}). The answer is written as it is encoded, straight from the bytes read, so a
 * call holds its output once in memory (at most {@link #MAX_OUTPUT} per stream) and nothing more.
 */
final class ExecAnswer {
  /** The most encoded stdout and stderr one answer carries, together. */
  static final int MAX_OUTPUT = 8 * 1024 * 1024;
  static final String HINT = "output is cut at " + (MAX_OUTPUT >> 20) + " MiB of encoded stdout and stderr together; for more, run the "
      + "command in a session (POST /v1/sandboxes/{id}/sessions, then .../commands) and read its logs from any offset "
      + "(GET .../commands/{cid}/logs?stream=stdout&offset=)";

  /** How one stream goes out: the first {@code length} bytes of {@code raw}, as text or as base64. */
  record Part(byte[] raw, int length, boolean base64, long encodedSize) {
    boolean cut() {
      return length < raw.length;
    }

    String encoding() {
      return base64 ? "base64" : "utf-8";
    }

    void write(JsonGenerator g) {
      if (base64) {
        g.writeBinary(Base64Variants.MIME_NO_LINEFEEDS, raw, 0, length);
      } else {
        g.writeUTF8String(raw, 0, length);
      }
    }
  }

  private ExecAnswer() {}

  /** The two streams as they fit in {@code budget} encoded bytes, shared fairly (a short stream leaves its share to the other). */
  static Part[] plan(byte[] stdout, byte[] stderr, long budget) {
    boolean outText = Utf8.textCheaperThanBase64(stdout);
    boolean errText = Utf8.textCheaperThanBase64(stderr);
    long outSize = size(stdout, stdout.length, !outText);
    long errSize = size(stderr, stderr.length, !errText);
    long outShare = budget / 2;
    long errShare = budget - outShare;
    if (outSize < outShare) {
      errShare += outShare - outSize;
    } else if (errSize < errShare) {
      outShare += errShare - errSize;
    }
    return new Part[] {fit(stdout, !outText, outShare), fit(stderr, !errText, errShare)};
  }

  /** The longest prefix of {@code raw} whose encoding takes at most {@code allowance} bytes. */
  static Part fit(byte[] raw, boolean base64, long allowance) {
    if (base64) {
      int length = (int) Math.min(raw.length, allowance / 4 * 3);
      return new Part(raw, length, true, base64Size(length));
    }
    int length = Utf8.prefixWithin(raw, allowance);
    return new Part(raw, length, false, Utf8.escapedSize(raw, length));
  }

  private static long size(byte[] raw, int length, boolean base64) {
    return base64 ? base64Size(length) : Utf8.escapedSize(raw, length);
  }

  static long base64Size(long n) {
    return (n + 2) / 3 * 4;
  }

  /**
   * Writes the whole answer (200, JSON) for {@code r}; {@code oomMessage} is set when the kernel
   * killed for memory; {@code resumed}: the sandbox was paused and the call resumed it.
   */
  static void send(Context ctx, ExecResult r, String oomMessage, boolean resumed) {
    Part[] parts = plan(r.stdout(), r.stderr(), MAX_OUTPUT);
    boolean cut = r.truncated() || parts[0].cut() || parts[1].cut();
    ctx.status(200).contentType("application/json");
    try (OutputStream out = ctx.outputStream(); JsonGenerator g = Json.MAPPER.createGenerator(out)) {
      g.writeStartObject();
      g.writeNumberProperty("exitCode", r.exitCode());
      g.writeName("stdout");
      parts[0].write(g);
      g.writeStringProperty("stdoutEncoding", parts[0].encoding());
      g.writeName("stderr");
      parts[1].write(g);
      g.writeStringProperty("stderrEncoding", parts[1].encoding());
      g.writeNumberProperty("durationMs", r.duration().toMillis());
      g.writeBooleanProperty("timedOut", r.timedOut());
      g.writeBooleanProperty("truncated", cut);
      g.writeBooleanProperty("stdoutTruncated", parts[0].cut() || r.stdoutSize() > parts[0].length());
      g.writeBooleanProperty("stderrTruncated", parts[1].cut() || r.stderrSize() > parts[1].length());
      g.writeNumberProperty("stdoutBytes", Math.max(r.stdoutSize(), r.stdout().length));
      g.writeNumberProperty("stderrBytes", Math.max(r.stderrSize(), r.stderr().length));
      g.writeBooleanProperty("oomKilled", r.oomKilled());
      g.writeBooleanProperty("resumed", resumed);
      if (oomMessage != null) {
        g.writeStringProperty("message", oomMessage);
      }
      if (cut) {
        g.writeStringProperty("outputHint", HINT);
      }
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException("the client stopped reading the exec answer: " + e.getMessage(), e);
    }
  }
}
