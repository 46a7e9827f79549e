package dev.warren.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.warren.error.Problem;
import dev.warren.net.EgressPolicy;
import dev.warren.runtime.Limits;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Which sandboxes a snapshot or a fork may hold still ({@link SandboxService#requireStill}): running,
 * paused and stopped ones; every other state is 409 saying the state and what to do.
 */
class SandboxStillTest {

  @Test
  void runningPausedAndStoppedSandboxesAreHeldStillAndTheOthersAreRefusedSayingWhatToDo() {
    for (SandboxState ok : List.of(SandboxState.RUNNING, SandboxState.PAUSED, SandboxState.STOPPED)) {
      assertThat(SandboxService.requireStill(sandbox(ok), "snapshot").state()).isEqualTo(ok);
    }
    Map<SandboxState, String> todo = Map.of(
        SandboxState.CREATING, "wait until it is running",
        SandboxState.STARTING, "wait until it is running",
        SandboxState.STOPPING, "wait until it is stopped",
        SandboxState.FAILED, "start it (POST /v1/sandboxes/sbx_x/start) or delete it",
        SandboxState.DELETING, "it is being deleted");
    todo.forEach((state, what) -> assertThatThrownBy(() -> SandboxService.requireStill(sandbox(state), "fork"))
        .isInstanceOfSatisfying(SandboxException.class, e -> {
          assertThat(e.problem()).isEqualTo(Problem.CONFLICT);
          assertThat(e.getMessage()).startsWith("cannot fork sandbox sbx_x: it is " + state.wire())
              .contains("only a running, paused or stopped sandbox can be", what);
        }));
  }

  private static Sandbox sandbox(SandboxState state) {
    SandboxSpec spec = new SandboxSpec("base", Map.of(), Map.of(), new Limits(256, 100, 0.5, 64, 4096),
        new EgressPolicy(List.of(), Optional.empty()), Duration.ofMinutes(5));
    Instant now = Instant.now();
    return new Sandbox("sbx_x", state, Optional.empty(), spec, "sha256:abc", 1, 0, "10.200.0.2", now, Optional.empty(), Optional.empty(), now);
  }
}
