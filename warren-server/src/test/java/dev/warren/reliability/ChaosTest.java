package dev.warren.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * {@code ./warren bench chaos} in small: three clients of mixed work (sandbox creates and deletes,
 * a session counter, file writes, browsers) while the controller is SIGKILLed three times at
 * random moments. Nothing acknowledged is lost or comes back, no create makes two sandboxes, no
 * counter goes back, every sandbox can be deleted and the teardown leaves nothing on the host.
 * {@code -Dwarren.chaos.kills=N} runs more.
 */
class ChaosTest {
  static final int KILLS = Integer.getInteger("warren.chaos.kills", 3);

  @Test
  void killingTheControllerAtRandomMomentsUnderLoadLosesNothingAndLeavesNothing() throws Exception {
    ChaosResult r = Chaos.run(new Chaos.Settings(3, KILLS, true, 10, Duration.ofMillis(500), Duration.ofSeconds(4), 18L), System.out::println);
    r.print(System.out::println);
    assertThat(r.kills()).isEqualTo(KILLS);
    assertThat(r.readyMillis()).hasSize(KILLS);
    assertThat(r.acknowledged()).containsKeys("sandbox create", "session command", "file write");
    assertThat(r.failures()).as("targets").isEmpty();
  }
}
