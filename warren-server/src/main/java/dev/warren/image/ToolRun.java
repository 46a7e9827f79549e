package dev.warren.image;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one external tool (debootstrap, chroot) with its arguments as a list, streams its merged
 * stdout and stderr line by line, and keeps the last lines for the error report. A tool that
 * overruns its time, or whose caller is interrupted, is ended together with its children.
 */
final class ToolRun {
  private static final Logger log = LoggerFactory.getLogger(ToolRun.class);
  static final int TAIL_LINES = 40;

  record Result(int exitCode, List<String> tail) {}

  private ToolRun() {}

  /**
   * @param environment the tool's whole environment (nothing is inherited)
   * @throws ImageException if the tool cannot start, overruns {@code timeout}, or the caller is
   *     interrupted (the interrupt flag stays set)
   */
  static Result run(List<String> command, Map<String, String> environment, Duration timeout, Consumer<String> lines) {
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
    builder.environment().clear();
    builder.environment().putAll(environment);
    Process process;
    try {
      process = builder.start();
    } catch (IOException e) {
      throw new ImageException("cannot run " + command.getFirst() + ": " + e.getMessage() + "; is it installed?", e);
    }
    ArrayDeque<String> tail = new ArrayDeque<>();
    Thread reader = Thread.ofVirtual().name(command.getFirst() + "-output").start(() -> {
      try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line = in.readLine(); line != null; line = in.readLine()) {
          synchronized (tail) {
            if (tail.size() == TAIL_LINES) {
              tail.removeFirst();
            }
            tail.addLast(line);
          }
          try {
            lines.accept(line);
          } catch (RuntimeException e) {
            // a failing listener must not stop the draining, or the tool blocks on a full pipe
            log.warn("progress listener failed on: {}", line, e);
          }
        }
      } catch (IOException e) {
        // the pipe closes when the tool ends; nothing more to read
      }
    });
    try {
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        end(process);
        throw new ImageException(command.getFirst() + " did not finish within " + timeout.toSeconds() + " s and was ended", snapshot(tail), null);
      }
      reader.join(Duration.ofSeconds(10));
      return new Result(process.exitValue(), snapshot(tail));
    } catch (InterruptedException e) {
      end(process);
      Thread.currentThread().interrupt();
      throw new ImageException("interrupted while " + command.getFirst() + " ran; it was ended", snapshot(tail), e);
    }
  }

  private static List<String> snapshot(ArrayDeque<String> tail) {
    synchronized (tail) {
      return List.copyOf(tail);
    }
  }

  /** SIGTERM first so debootstrap's exit trap can unmount what it mounted, then SIGKILL. */
  private static void end(Process process) {
    List<ProcessHandle> children = process.descendants().toList();
    process.destroy();
    children.forEach(ProcessHandle::destroy);
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
    children.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
  }
}
