package dev.warren.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import tools.jackson.databind.JsonNode;

/**
 * A command that writes {@link #BYTES} bytes to stdout, then its whole stdout read back twice: as
 * raw bytes ({@code GET …/logs}) and as Server-Sent Events ({@code …/logs?follow=true}, base64).
 * Byte counts and SSE offsets are checked; the content is not (it is all zeros). Every step has a
 * time limit ({@link #STEP}); a step past it fails the section and its reader is interrupted.
 */
final class SessionStreaming {
  static final long BYTES = 200_000_000;
  static final String COMMAND = "head -c " + BYTES + " /dev/zero";
  static final Duration STEP = Duration.ofMinutes(3);

  private SessionStreaming() {}

  /**
   * What the three steps took, in nanoseconds, as the client saw them.
   *
   * @param producedNanos from the async submit to the answer saying the command ended
   * @param serverMillis the job's own {@code durationMs} (from the shell's start to its end)
   * @param events SSE {@code output} events received
   */
  record Result(long producedNanos, long serverMillis, long rawNanos, long sseNanos, long events) {
    static double mbPerSecond(long nanos) {
      return BYTES / 1e6 / (nanos / 1e9);
    }
  }

  static Result run(SessionSandbox sandbox, ApiClient api, String sid) {
    String commands = sandbox.path("/sessions/" + sid + "/commands");
    String submit = ApiClient.JSON.writeValueAsString(ApiClient.JSON.createObjectNode().put("command", COMMAND).put("async", true));
    long t0 = System.nanoTime();
    String cid = api.post(commands, submit, SessionSandbox.T).expect(202).json().path("id").asString();
    JsonNode job = api.get(commands + "/" + cid + "?wait=" + STEP.toSeconds() + "&output=false", STEP.plusSeconds(30)).expect(200).json();
    long produced = System.nanoTime() - t0;
    boolean ok = "finished".equals(job.path("state").asString()) && job.path("exitCode").asInt(-1) == 0
        && job.path("stdoutBytes").asLong() == BYTES;
    if (!ok) {
      throw new IllegalStateException("'" + COMMAND + "' (" + cid + ") did not write " + BYTES + " bytes within " + STEP.toMinutes()
          + " min: " + job);
    }
    String logs = commands + "/" + cid + "/logs?stream=stdout";
    long raw = within("reading the stdout of " + cid + " through GET …/logs", () -> {
      long s = System.nanoTime();
      HttpResponse<InputStream> r = api.stream(logs, SessionSandbox.T);
      long n;
      try (InputStream in = r.body()) {
        n = in.transferTo(java.io.OutputStream.nullOutputStream());
      }
      long elapsed = System.nanoTime() - s;
      check("GET …/logs", n);
      return elapsed;
    });
    long[] events = new long[1];
    long sse = within("reading the stdout of " + cid + " through GET …/logs?follow=true", () -> {
      long s = System.nanoTime();
      HttpResponse<InputStream> r = api.stream(logs + "&follow=true", SessionSandbox.T);
      long n;
      try (BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.ISO_8859_1), 1 << 20)) {
        n = readEvents(in, events);
      }
      long elapsed = System.nanoTime() - s;
      check("GET …/logs?follow=true", n);
      return elapsed;
    });
    return new Result(produced, job.path("durationMs").asLong(), raw, sse, events[0]);
  }

  /** Reads SSE until the {@code exit} event; returns the bytes decoded, checking each event's id against them. */
  private static long readEvents(BufferedReader in, long[] events) throws IOException {
    long bytes = 0;
    String event = "message";
    String id = null;
    StringBuilder data = new StringBuilder();
    for (String line; (line = in.readLine()) != null; ) {
      if (line.isEmpty()) {
        if (event.equals("exit")) {
          return bytes;
        }
        if (event.equals("output")) {
          bytes += Base64.getDecoder().decode(data.toString()).length;
          events[0]++;
          if (id == null || Long.parseLong(id) != bytes) {
            throw new IllegalStateException("SSE output event " + events[0] + " has id " + id + ", expected the offset " + bytes);
          }
        }
        event = "message";
        id = null;
        data.setLength(0);
      } else if (line.startsWith("event:")) {
        event = line.substring(6).strip();
      } else if (line.startsWith("id:")) {
        id = line.substring(3).strip();
      } else if (line.startsWith("data:")) {
        data.append(line, line.startsWith("data: ") ? 6 : 5, line.length());
      }
    }
    throw new IllegalStateException("the SSE stream ended after " + bytes + " bytes without an exit event");
  }

  private static void check(String how, long n) {
    if (n != BYTES) {
      throw new IllegalStateException(how + " gave " + n + " bytes, expected " + BYTES);
    }
  }

  /** Runs {@code task} in a virtual thread and waits at most {@link #STEP}; interrupts it past that. */
  private static long within(String what, Callable<Long> task) {
    FutureTask<Long> f = new FutureTask<>(task);
    Thread t = Thread.ofVirtual().name("bench-stream").start(f);
    try {
      return f.get(STEP.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      t.interrupt();
      throw new IllegalStateException(what + " did not finish within " + STEP.toMinutes() + " min");
    } catch (ExecutionException e) {
      Throwable c = e.getCause();
      if (c instanceof RuntimeException r) {
        throw r;
      }
      throw c instanceof IOException io ? new UncheckedIOException(what + ": " + io, io) : new IllegalStateException(what + ": " + c, c);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      t.interrupt();
      throw new Cleanup.Aborted();
    }
  }
}
