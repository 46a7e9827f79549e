package dev.warren.client;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A Dockerfile build as the server reported it.
 *
 * @param state {@code running}, {@code succeeded} or {@code failed}
 * @param digest the image's digest once it succeeded
 * @param error why it failed
 */
public record ImageBuild(String id, String name, String state, Optional<String> digest, Optional<String> error, List<Step> steps) {
  public ImageBuild {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(state, "state");
    Objects.requireNonNull(digest, "digest");
    Objects.requireNonNull(error, "error");
    steps = List.copyOf(steps);
  }

  public boolean succeeded() {
    return state.equals("succeeded");
  }

  /**
   * One step: {@code status} is {@code pending}, {@code running}, {@code cached}, {@code done} or
   * {@code failed}; a failed RUN has its exit code and last lines of output.
   */
  public record Step(int number, int line, String instruction, String status, Optional<Duration> took, Optional<Integer> exitCode,
      List<String> output) {
    public Step {
      Objects.requireNonNull(instruction, "instruction");
      Objects.requireNonNull(status, "status");
      Objects.requireNonNull(took, "took");
      Objects.requireNonNull(exitCode, "exitCode");
      output = List.copyOf(output);
    }
  }

  /**
   * What a build's log says as it goes: {@code step} (a step's status changed: {@code step} set),
   * {@code output} (a line a RUN printed: {@code stepNumber} and {@code line} set).
   */
  public record Event(String type, int stepNumber, Optional<Step> step, Optional<String> line) {}

  static ImageBuild of(Object json) {
    var f = JsonFields.of(json, "build");
    return new ImageBuild(f.string("id"), f.string("name"), f.string("state"), f.optString("digest"), f.optString("error"),
        f.list("steps").stream().map(ImageBuild::step).toList());
  }

  static Step step(Object json) {
    var f = JsonFields.of(json, "step");
    return new Step(f.intValue("number"), f.intValue("line"), f.string("instruction"), f.string("status"), f.optMillis("durationMs"),
        f.optInt("exitCode"), f.stringList("output"));
  }
}
