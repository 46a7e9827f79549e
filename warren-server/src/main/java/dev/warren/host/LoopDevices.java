package dev.warren.host;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Loop block devices backed by files, through {@code /dev/loop-control} and the LOOP_CONFIGURE
 * ioctl (no losetup: one ioctl instead of a process). Devices are attached with autoclear: the
 * kernel detaches one by itself at its last close, which is the unmount of the filesystem on it,
 * or the end of the process that attached it if that dies before mounting. Thread-safe; every
 * call is independent.
 */
public final class LoopDevices {
  private static final long LOOP_CTL_GET_FREE = 0x4C82;
  private static final long LOOP_CONFIGURE = 0x4C0A;
  private static final long LOOP_CLR_FD = 0x4C01;
  private static final int LO_FLAGS_READ_ONLY = 1;
  private static final int LO_FLAGS_AUTOCLEAR = 4;
  private static final int LO_FLAGS_DIRECT_IO = 16;
  private static final int EBUSY = 16;
  private static final Path SYS_BLOCK = Path.of("/sys/block");

  private LoopDevices() {}

  /**
   * A device just attached, held open by this process: the caller mounts {@link #device()} and
   * then closes it. Closing it unmounted detaches the device.
   */
  public record Attached(String device, int fd) implements AutoCloseable {
    @Override
    public void close() {
      Syscalls.close(fd);
    }
  }

  /**
   * Attaches {@code file} to a free loop device: autoclear, direct I/O (the file's pages are not
   * cached a second time), 4 KiB sectors.
   */
  public static Attached attach(Path file) {
    return attach(file, false);
  }

  /** {@link #attach(Path)}; a {@code readOnly} device has the file open for reading alone and refuses writes. */
  public static Attached attach(Path file, boolean readOnly) {
    int backing = Syscalls.open(file.toString(), readOnly ? Syscalls.O_RDONLY : Syscalls.O_RDWR);
    try {
      int control = Syscalls.open("/dev/loop-control", Syscalls.O_RDWR);
      try {
        for (int attempt = 1; ; attempt++) {
          int n = FsCalls.ioctl(control, LOOP_CTL_GET_FREE, MemorySegment.NULL, "/dev/loop-control");
          String device = "/dev/loop" + n;
          int fd = Syscalls.open(device, readOnly ? Syscalls.O_RDONLY : Syscalls.O_RDWR);
          try {
            configure(fd, backing, file, readOnly);
            return new Attached(device, fd);
          } catch (SyscallException e) {
            Syscalls.close(fd);
            // another process took the device between GET_FREE and CONFIGURE: ask for another
            if (e.errno() != EBUSY || attempt == 20) {
              throw e;
            }
          }
        }
      } finally {
        Syscalls.close(control);
      }
    } finally {
      // the device holds its own reference to the file
      Syscalls.close(backing);
    }
  }

  private static void configure(int fd, int backing, Path file, boolean readOnly) {
    try (Arena a = Arena.ofConfined()) {
      // struct loop_config { u32 fd; u32 block_size; struct loop_info64 info; u64 reserved[8]; }
      MemorySegment config = a.allocate(304, 8);
      config.set(ValueLayout.JAVA_INT, 0, backing);
      config.set(ValueLayout.JAVA_INT, 4, 4096);
      // loop_info64.lo_flags at 52, lo_file_name[64] at 56 (both within info, which starts at 8)
      config.set(ValueLayout.JAVA_INT, 8 + 52, LO_FLAGS_AUTOCLEAR | LO_FLAGS_DIRECT_IO | (readOnly ? LO_FLAGS_READ_ONLY : 0));
      byte[] name = file.toString().getBytes(StandardCharsets.UTF_8);
      MemorySegment.copy(name, 0, config, ValueLayout.JAVA_BYTE, 8 + 56, Math.min(name.length, 63));
      FsCalls.ioctl(fd, LOOP_CONFIGURE, config, "LOOP_CONFIGURE " + file);
    }
  }

  /** Attached loop devices ({@code /dev/loopN}) and their backing files, as the kernel names them. */
  public static Map<String, String> backingFiles() {
    Map<String, String> out = new LinkedHashMap<>();
    try (var s = Files.list(SYS_BLOCK)) {
      s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("loop")).sorted().forEach(n ->
          backingFile("/dev/" + n).ifPresent(f -> out.put("/dev/" + n, f)));
    } catch (IOException e) {
      throw new SyscallException("list", SYS_BLOCK.toString(), 0, e.getMessage());
    }
    return out;
  }

  /** Whether {@code name} is a loop device's, {@code /dev/loopN}. */
  public static boolean isLoopDevice(String name) {
    return name.matches("/dev/loop[0-9]+");
  }

  /**
   * The file behind {@code device} ({@code /dev/loopN}), empty when it is detached or not a loop
   * device; a deleted file is named with the kernel's " (deleted)" suffix.
   */
  public static Optional<String> backingFile(String device) {
    if (!isLoopDevice(device)) {
      return Optional.empty();
    }
    Path f = SYS_BLOCK.resolve(device.substring("/dev/".length())).resolve("loop/backing_file");
    try {
      String s = Files.readString(f).strip();
      return s.isEmpty() ? Optional.empty() : Optional.of(s);
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  /**
   * Waits up to {@code timeout} for {@code device} to let go of {@code file} (the kernel detaches
   * an autoclear device once the last user of the filesystem on it is gone, a moment after the
   * unmount); true when it did.
   */
  public static boolean awaitDetached(String device, Path file, java.time.Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (backingFile(device).filter(f -> f.equals(file.toString())).isPresent()) {
      if (System.nanoTime() > deadline) {
        return false;
      }
      try {
        Thread.sleep(5);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
    return true;
  }

  /**
   * Detaches {@code device}; one still in use (a filesystem on it still mounted somewhere) is
   * marked for autoclear and goes with its last user.
   */
  public static void detach(String device) {
    int fd;
    try {
      fd = Syscalls.open(device, Syscalls.O_RDONLY);
    } catch (SyscallException e) {
      if (e.errno() == Syscalls.ENOENT || e.errno() == Syscalls.ENXIO) {
        return;
      }
      throw e;
    }
    try {
      FsCalls.ioctl(fd, LOOP_CLR_FD, MemorySegment.NULL, "LOOP_CLR_FD " + device);
    } catch (SyscallException e) {
      // ENXIO: not attached (any more)
      if (e.errno() != Syscalls.ENXIO) {
        throw e;
      }
    } finally {
      Syscalls.close(fd);
    }
  }
}
