package dev.warren.client;

import java.util.Objects;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * Resource limits of a sandbox. An empty value means "the server's default" in a spec and
 * "not limited" in an answer.
 *
 * @param memoryMb memory limit in MiB
 * @param pids maximum number of processes
 * @param cpus CPU share, {@code 1.0} = one core
 * @param diskMb size of the sandbox's own disk in MiB: writing past it fails inside the sandbox
 *     with "No space left on device"
 * @param diskInodes files and directories the sandbox's disk holds at most
 */
public record Limits(OptionalInt memoryMb, OptionalInt pids, OptionalDouble cpus, OptionalInt diskMb, OptionalLong diskInodes) {

  /** No limit set: the server applies its defaults. */
  public static final Limits DEFAULT = new Limits(OptionalInt.empty(), OptionalInt.empty(), OptionalDouble.empty());

  public Limits {
    Objects.requireNonNull(memoryMb, "memoryMb");
    Objects.requireNonNull(pids, "pids");
    Objects.requireNonNull(cpus, "cpus");
    Objects.requireNonNull(diskMb, "diskMb");
    Objects.requireNonNull(diskInodes, "diskInodes");
    memoryMb.ifPresent(v -> requirePositive("memoryMb", v));
    pids.ifPresent(v -> requirePositive("pids", v));
    cpus.ifPresent(v -> {
      if (!(v > 0) || !Double.isFinite(v)) {
        throw new IllegalArgumentException("cpus must be a positive number, got " + v);
      }
    });
    diskMb.ifPresent(v -> requirePositive("diskMb", v));
    diskInodes.ifPresent(v -> {
      if (v <= 0) throw new IllegalArgumentException("diskInodes must be positive, got " + v);
    });
  }

  /** Memory, processes and CPU; the disk as the server's default. */
  public Limits(OptionalInt memoryMb, OptionalInt pids, OptionalDouble cpus) {
    this(memoryMb, pids, cpus, OptionalInt.empty(), OptionalLong.empty());
  }

  /** All three cgroup limits set; the disk as the server's default. */
  public static Limits of(int memoryMb, int pids, double cpus) {
    return new Limits(OptionalInt.of(memoryMb), OptionalInt.of(pids), OptionalDouble.of(cpus));
  }

  public Limits withMemoryMb(int value) {
    return new Limits(OptionalInt.of(value), pids, cpus, diskMb, diskInodes);
  }

  public Limits withPids(int value) {
    return new Limits(memoryMb, OptionalInt.of(value), cpus, diskMb, diskInodes);
  }

  public Limits withCpus(double value) {
    return new Limits(memoryMb, pids, OptionalDouble.of(value), diskMb, diskInodes);
  }

  public Limits withDiskMb(int value) {
    return new Limits(memoryMb, pids, cpus, OptionalInt.of(value), diskInodes);
  }

  public Limits withDiskInodes(long value) {
    return new Limits(memoryMb, pids, cpus, diskMb, OptionalLong.of(value));
  }

  private static void requirePositive(String name, int value) {
    if (value <= 0) throw new IllegalArgumentException(name + " must be positive, got " + value);
  }
}
