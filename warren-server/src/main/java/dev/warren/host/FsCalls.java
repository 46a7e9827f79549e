package dev.warren.host;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * File and filesystem system calls the JDK lacks (statvfs with inode counts, sparse-file seeks,
 * fallocate, ioctl), through the FFM API as in {@link Syscalls}. Thread-safe: every call uses its
 * own confined arena.
 */
public final class FsCalls {
  public static final int SEEK_DATA = 3;
  public static final int SEEK_HOLE = 4;

  private static final Downcall STATVFS = Syscalls.fn("statvfs",
      FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS), false);
  private static final Downcall STAT = Syscalls.fn("stat",
      FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS), false);
  private static final Downcall LSEEK = Syscalls.fn("lseek",
      FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT), false);
  private static final Downcall FTRUNCATE = Syscalls.fn("ftruncate",
      FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG), false);
  private static final Downcall FALLOCATE = Syscalls.fn("fallocate",
      FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG),
      false);
  private static final Downcall COPY_FILE_RANGE = Syscalls.fn("copy_file_range",
      FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.ADDRESS,
          ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT), false);
  private static final Downcall IOCTL = new Downcall("ioctl",
      FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG, ValueLayout.ADDRESS),
      Linker.Option.captureCallState("errno"), Linker.Option.firstVariadicArg(2));

  private FsCalls() {}

  /**
   * What statvfs(3) says of a filesystem, in bytes and inodes.
   *
   * @param availableBytes what an unprivileged writer may still use (free minus the root reserve)
   */
  public record FsStats(long sizeBytes, long freeBytes, long availableBytes, long inodes, long freeInodes) {
    public long usedBytes() {
      return sizeBytes - freeBytes;
    }

    public long usedInodes() {
      return inodes - freeInodes;
    }
  }

  public static FsStats statvfs(String path) {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment st = a.allocate(Syscalls.STATE);
      // struct statvfs on 64-bit Linux: eleven unsigned longs, then spare ints
      MemorySegment buf = a.allocate(112, 8);
      if ((int) STATVFS.handle().invokeExact(st, a.allocateFrom(path), buf) < 0) {
        throw Syscalls.fail("statvfs", path, st);
      }
      long frsize = buf.get(ValueLayout.JAVA_LONG, 8);
      return new FsStats(buf.get(ValueLayout.JAVA_LONG, 16) * frsize, buf.get(ValueLayout.JAVA_LONG, 24) * frsize,
          buf.get(ValueLayout.JAVA_LONG, 32) * frsize, buf.get(ValueLayout.JAVA_LONG, 40), buf.get(ValueLayout.JAVA_LONG, 48));
    } catch (SyscallException e) {
      throw e;
    } catch (Throwable t) {
      throw new IllegalStateException(t);
    }
  }

  /** Bytes the file takes on its disk (stat's st_blocks), less than its size when it is sparse. */
  public static long allocatedBytes(String path) {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment st = a.allocate(Syscalls.STATE);
      // struct stat is 144 (x86_64) or 128 (arm64) bytes; st_blocks is at offset 64 on both
      MemorySegment buf = a.allocate(160, 8);
      if ((int) STAT.handle().invokeExact(st, a.allocateFrom(path), buf) < 0) {
        throw Syscalls.fail("stat", path, st);
      }
      return buf.get(ValueLayout.JAVA_LONG, 64) * 512;
    } catch (SyscallException e) {
      throw e;
    } catch (Throwable t) {
      throw new IllegalStateException(t);
    }
  }

  /** What {@link #forEachDataExtent} calls with each extent. */
  @FunctionalInterface
  public interface Extent {
    void accept(long offset, long length) throws java.io.IOException;
  }

  /**
   * Calls {@code each} with the offset and length of every run of data of the sparse file open as
   * {@code fd} ({@code size} bytes), in order; the holes between them are skipped ({@link #SEEK_DATA},
   * {@link #SEEK_HOLE}).
   */
  public static void forEachDataExtent(int fd, long size, Extent each) throws java.io.IOException {
    for (long at = 0; at < size; ) {
      long data = lseek(fd, at, SEEK_DATA);
      if (data < 0) {
        return;
      }
      long hole = lseek(fd, data, SEEK_HOLE);
      long end = hole < 0 ? size : hole;
      each.accept(data, end - data);
      at = end;
    }
  }

  /** lseek(2); for {@link #SEEK_DATA} and {@link #SEEK_HOLE}, -1 when there is no data at or past {@code offset} (ENXIO). */
  public static long lseek(int fd, long offset, int whence) {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment st = a.allocate(Syscalls.STATE);
      long r = (long) LSEEK.handle().invokeExact(st, fd, offset, whence);
      if (r < 0) {
        SyscallException e = Syscalls.fail("lseek", "fd " + fd, st);
        if (e.errno() == Syscalls.ENXIO) {
          return -1;
        }
        throw e;
      }
      return r;
    } catch (SyscallException e) {
      throw e;
    } catch (Throwable t) {
      throw new IllegalStateException(t);
    }
  }

  public static void ftruncate(int fd, long size) {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment st = a.allocate(Syscalls.STATE);
      if ((int) FTRUNCATE.handle().invokeExact(st, fd, size) < 0) {
        throw Syscalls.fail("ftruncate", "fd " + fd, st);
      }
    } catch (SyscallException e) {
      throw e;
    } catch (Throwable t) {
      throw new IllegalStateException(t);
    }
  }

  /** fallocate(2) with mode 0: reserves {@code length} bytes from {@code offset} on the disk, reading as zeros. */
  public static void fallocate(int fd, long offset, long length) {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment st = a.allocate(Syscalls.STATE);
      if ((int) FALLOCATE.handle().invokeExact(st, fd, 0, offset, length) < 0) {
        throw Syscalls.fail("fallocate", "fd " + fd, st);
      }
    } catch (SyscallException e) {
      throw e;
    } catch (Throwable t) {
      throw new IllegalStateException(t);
    }
  }

  /** Copies {@code length} bytes at {@code offset} of {@code in} to the same offset of {@code out}, in the kernel. */
  public static void copyRange(int in, int out, long offset, long length) {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment st = a.allocate(Syscalls.STATE);
      MemorySegment offIn = a.allocate(ValueLayout.JAVA_LONG);
      MemorySegment offOut = a.allocate(ValueLayout.JAVA_LONG);
      offIn.set(ValueLayout.JAVA_LONG, 0, offset);
      offOut.set(ValueLayout.JAVA_LONG, 0, offset);
      long left = length;
      while (left > 0) {
        long n = (long) COPY_FILE_RANGE.handle().invokeExact(st, in, offIn, out, offOut, left, 0);
        if (n < 0) {
          throw Syscalls.fail("copy_file_range", "fd " + in + " -> fd " + out, st);
        }
        if (n == 0) {
          throw new SyscallException("copy_file_range", "fd " + in, 0, "the source ended " + left + " bytes early");
        }
        left -= n;
      }
    } catch (SyscallException e) {
      throw e;
    } catch (Throwable t) {
      throw new IllegalStateException(t);
    }
  }

  /** ioctl(2) with a pointer to {@code arg}, or with a number as {@code MemorySegment.ofAddress(n)}. */
  public static int ioctl(int fd, long request, MemorySegment arg, String what) {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment st = a.allocate(Syscalls.STATE);
      int r = (int) IOCTL.handle().invokeExact(st, fd, request, arg);
      if (r < 0) {
        throw Syscalls.fail("ioctl", what, st);
      }
      return r;
    } catch (SyscallException e) {
      throw e;
    } catch (Throwable t) {
      throw new IllegalStateException(t);
    }
  }
}
