package dev.warren.client;

import java.util.Objects;
import java.util.OptionalDouble;
import java.util.OptionalInt;

/**
 * Resource limits of a sandbox. An empty value means "the server's default" in a spec and
 * "not limited" in an answer.
 *
 * @param memoryMb memory limit in MiB
 * @param pids maximum number of processes
 * @param cpus CPU share, {@code 1.0} = one core
 */
public record Limits(OptionalInt memoryMb, OptionalInt pids, OptionalDouble cpus) {

  /** No limit set: the server applies its defaults. */
  public static final Limits DEFAULT = new Limits(OptionalInt.empty(), OptionalInt.empty(), OptionalDouble.empty());

  public Limits {
    Objects.requireNonNull(memoryMb, "memoryMb");
    Objects.requireNonNull(pids, "pids");
    Objects.requireNonNull(cpus, "cpus");
    memoryMb.ifPresent(v -> requirePositive("memoryMb", v));
    pids.ifPresent(v -> requirePositive("pids", v));
    cpus.ifPresent(v -> {
      if (!(v > 0) || !Double.isFinite(v)) {
        throw new IllegalArgumentException("cpus must be a positive number, got " + v);
      }
    });
  }

  /** All three limits set. */
  public static Limits of(int memoryMb, int pids, double cpus) {
    return new Limits(OptionalInt.of(memoryMb), OptionalInt.of(pids), OptionalDouble.of(cpus));
  }

  public Limits withMemoryMb(int value) {
    return new Limits(OptionalInt.of(value), pids, cpus);
  }

  public Limits withPids(int value) {
    return new Limits(memoryMb, OptionalInt.of(value), cpus);
  }

  public Limits withCpus(double value) {
    return new Limits(memoryMb, pids, OptionalDouble.of(value));
  }

  private static void requirePositive(String name, int value) {
    if (value <= 0) throw new IllegalArgumentException(name + " must be positive, got " + value);
  }
}
