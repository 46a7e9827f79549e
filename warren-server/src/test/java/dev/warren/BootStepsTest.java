package dev.warren;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.Test;

/** The first step of a start's timing: the JVM's own start, from the process's start. */
class BootStepsTest {
  @Test
  void theTimeSinceTheProcessStartedIsRightToTheTickNotToTheSecond() {
    long jvmUp = ManagementFactory.getRuntimeMXBean().getUptime();
    long since = BootSteps.sinceProcessStart().orElseThrow();
    long jvmUpAfter = ManagementFactory.getRuntimeMXBean().getUptime();
    // the process starts a little before the JVM counts its uptime; ticks are 10 ms. The start
    // instant of ProcessHandle (the boot time in whole seconds plus ticks) was up to a second off.
    assertThat(since).isBetween(jvmUp - 20, jvmUpAfter + 300);
  }
}
