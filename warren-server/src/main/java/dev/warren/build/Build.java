package dev.warren.build;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * One build as it goes: its steps with their status and times, and its log (events a follower
 * reads from any index). Thread-safe: the build's thread changes it, request threads read it and
 * wait for events; every change is handed to {@code persist} (the store row) after it is made.
 */
public final class Build {
  /** The lines of output a failed step keeps. */
  static final int TAIL_LINES = 30;
  private static final JsonMapper JSON = JsonMapper.builder().build();

  public enum State {
    RUNNING, SUCCEEDED, FAILED;

    public String wire() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  /** One step as reported: {@code status} is pending, running, cached, done or failed. */
  public record Step(int number, int line, String instruction, String status, Optional<Instant> startedAt, Optional<Duration> took,
      Optional<Integer> exitCode, List<String> output) {
    Step with(String status) {
      return new Step(number, line, instruction, status, startedAt, took, exitCode, output);
    }
  }

  /** A log event: {@code type} is step, output or done; {@code data} its JSON. */
  public record Event(int index, String type, String data) {}

  private final String id;
  private final String name;
  private final Instant createdAt;
  private final Consumer<Build> persist;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();
  private final List<Step> steps = new ArrayList<>();
  private final List<Event> events = new ArrayList<>();
  private State state = State.RUNNING;
  private Optional<String> error = Optional.empty();
  private Optional<String> digest = Optional.empty();
  private Optional<Instant> finishedAt = Optional.empty();
  private volatile RuntimeException cause;

  Build(String id, String name, Instant createdAt, List<Instruction> instructions, Consumer<Build> persist) {
    this.id = Objects.requireNonNull(id, "id");
    this.name = Objects.requireNonNull(name, "name");
    this.createdAt = createdAt;
    this.persist = persist;
    for (Instruction i : instructions) {
      steps.add(new Step(steps.size() + 1, i.line(), i.text(), "pending", Optional.empty(), Optional.empty(), Optional.empty(), List.of()));
    }
  }

  /** A build as the store kept it (after a restart: no log). */
  static Build stored(String id, String name, Instant createdAt, State state, List<Step> steps, Optional<String> error, Optional<String> digest,
      Optional<Instant> finishedAt) {
    Build b = new Build(id, name, createdAt, List.of(), x -> {});
    b.steps.addAll(steps);
    b.state = state;
    b.error = error;
    b.digest = digest;
    b.finishedAt = finishedAt;
    b.events.add(new Event(0, "done", b.json().toString()));
    return b;
  }

  public String id() {
    return id;
  }

  public String name() {
    return name;
  }

  public State state() {
    lock.lock();
    try {
      return state;
    } finally {
      lock.unlock();
    }
  }

  public Optional<String> error() {
    lock.lock();
    try {
      return error;
    } finally {
      lock.unlock();
    }
  }

  public List<Step> steps() {
    lock.lock();
    try {
      return List.copyOf(steps);
    } finally {
      lock.unlock();
    }
  }

  void started(int number) {
    change(() -> {
      Step s = steps.get(number - 1);
      steps.set(number - 1, new Step(s.number(), s.line(), s.instruction(), "running", Optional.of(Instant.now()), Optional.empty(), Optional.empty(),
          List.of()));
      event("step", stepJson(steps.get(number - 1)));
    });
  }

  void finished(int number, boolean cached) {
    change(() -> {
      Step s = steps.get(number - 1);
      Duration took = Duration.between(s.startedAt().orElse(Instant.now()), Instant.now());
      steps.set(number - 1, new Step(s.number(), s.line(), s.instruction(), cached ? "cached" : "done", s.startedAt(), Optional.of(took),
          s.exitCode(), List.of()));
      event("step", stepJson(steps.get(number - 1)));
    });
  }

  /** Output of the running step, as lines. */
  void output(int number, List<String> lines) {
    if (lines.isEmpty()) {
      return;
    }
    change(() -> {
      for (String l : lines) {
        ObjectNode n = JSON.createObjectNode().put("step", number).put("line", l);
        event("output", n);
      }
    });
  }

  void failed(Optional<Integer> number, Optional<Integer> exitCode, List<String> tail, String why) {
    change(() -> {
      Optional<Integer> at = number.or(() -> steps.stream().filter(s -> s.status().equals("running")).map(Step::number).findFirst());
      at.ifPresent(n -> {
        Step s = steps.get(n - 1);
        Duration took = Duration.between(s.startedAt().orElse(Instant.now()), Instant.now());
        steps.set(n - 1, new Step(s.number(), s.line(), s.instruction(), "failed", s.startedAt(), Optional.of(took), exitCode, List.copyOf(tail)));
        event("step", stepJson(steps.get(n - 1)));
      });
      state = State.FAILED;
      error = Optional.of(why);
      finishedAt = Optional.of(Instant.now());
      event("done", json());
    });
  }

  /** Why the build failed, as the API answers it (a 400 naming a line, a 422 with a step's exit code, a 503); empty once read back from the store. */
  public Optional<RuntimeException> cause() {
    return Optional.ofNullable(cause);
  }

  void cause(RuntimeException e) {
    cause = e;
  }

  void succeeded(String imageDigest) {
    change(() -> {
      state = State.SUCCEEDED;
      digest = Optional.of(imageDigest);
      finishedAt = Optional.of(Instant.now());
      event("done", json());
    });
  }

  private void change(Runnable r) {
    lock.lock();
    try {
      r.run();
      changed.signalAll();
    } finally {
      lock.unlock();
    }
    persist.accept(this);
  }

  private void event(String type, ObjectNode data) {
    events.add(new Event(events.size(), type, data.toString()));
  }

  /** The events from {@code from} on, waiting up to {@code wait} for one when there is none yet; empty at the end or on timeout. */
  public List<Event> events(int from, Duration wait) throws InterruptedException {
    lock.lock();
    try {
      long nanos = wait.toNanos();
      while (events.size() <= from && state == State.RUNNING && nanos > 0) {
        nanos = changed.awaitNanos(nanos);
      }
      return from < events.size() ? List.copyOf(events.subList(from, events.size())) : List.of();
    } finally {
      lock.unlock();
    }
  }

  /** The build as the API shows it. */
  public ObjectNode json() {
    lock.lock();
    try {
      ObjectNode n = JSON.createObjectNode();
      n.put("id", id);
      n.put("name", name);
      n.put("state", state.wire());
      n.put("createdAt", createdAt.toString());
      finishedAt.ifPresent(t -> n.put("finishedAt", t.toString()));
      digest.ifPresent(d -> n.put("digest", d));
      error.ifPresent(e -> n.put("error", e));
      ArrayNode a = n.putArray("steps");
      steps.forEach(s -> a.add(stepJson(s)));
      return n;
    } finally {
      lock.unlock();
    }
  }

  static ObjectNode stepJson(Step s) {
    ObjectNode n = JSON.createObjectNode();
    n.put("number", s.number());
    n.put("line", s.line());
    n.put("instruction", s.instruction());
    n.put("status", s.status());
    s.startedAt().ifPresent(t -> n.put("startedAt", t.toString()));
    s.took().ifPresent(d -> n.put("durationMs", d.toMillis()));
    s.exitCode().ifPresent(c -> n.put("exitCode", c));
    if (!s.output().isEmpty()) {
      ArrayNode o = n.putArray("output");
      s.output().forEach(o::add);
    }
    return n;
  }

  static Step step(tools.jackson.databind.JsonNode n) {
    List<String> out = new ArrayList<>();
    n.path("output").forEach(x -> out.add(x.asString("")));
    return new Step(n.path("number").asInt(), n.path("line").asInt(), n.path("instruction").asString(""), n.path("status").asString(""),
        n.hasNonNull("startedAt") ? Optional.of(Instant.parse(n.path("startedAt").asString())) : Optional.empty(),
        n.hasNonNull("durationMs") ? Optional.of(Duration.ofMillis(n.path("durationMs").asLong())) : Optional.empty(),
        n.hasNonNull("exitCode") ? Optional.of(n.path("exitCode").asInt()) : Optional.empty(), out);
  }

  /** Waits for the end of the build, at most {@code wait}; whether it ended. */
  public boolean await(Duration wait) throws InterruptedException {
    lock.lock();
    try {
      long nanos = wait.toNanos();
      while (state == State.RUNNING && nanos > 0) {
        nanos = changed.awaitNanos(nanos);
      }
      return state != State.RUNNING;
    } finally {
      lock.unlock();
    }
  }

  Optional<String> digest() {
    lock.lock();
    try {
      return digest;
    } finally {
      lock.unlock();
    }
  }

  Optional<Instant> finishedAt() {
    lock.lock();
    try {
      return finishedAt;
    } finally {
      lock.unlock();
    }
  }

  Instant createdAt() {
    return createdAt;
  }

}
