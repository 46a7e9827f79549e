package dev.warren.runtime.crun;

import dev.warren.host.LoopDevices;
import dev.warren.host.SyscallException;
import dev.warren.host.Syscalls;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * An ext4 image on a loop device (attached with autoclear, so none outlives the filesystem
 * mounted from it), mounted nosuid and nodev; the device's name is noted in a file beside the
 * image, so a later controller finds it again. Used for sandbox disks ({@link Ext4Disks}) and
 * volumes ({@link Ext4Volumes}). Stateless.
 */
final class LoopMount {
  private static final long MS_NOSUID = 2;
  private static final long MS_NODEV = 4;

  private LoopMount() {}

  /** Attaches {@code image} to a free loop device, notes the device in {@code deviceNote} and mounts it at {@code mnt}. */
  static void attachAndMount(Path image, Path mnt, Path deviceNote, String options) throws IOException {
    try (LoopDevices.Attached loop = LoopDevices.attach(image)) {
      Files.writeString(deviceNote, loop.device() + "\n");
      Syscalls.mount(loop.device(), mnt.toString(), "ext4", MS_NOSUID | MS_NODEV, options);
    }
  }

  /** Mounts an ext4 filesystem already on {@code device} at {@code mnt}. */
  static void mountDevice(String device, Path mnt, String options) {
    Syscalls.mount(device, mnt.toString(), "ext4", MS_NOSUID | MS_NODEV, options);
  }

  /** The loop device noted in {@code deviceNote} when it is still attached to {@code image}. */
  static Optional<String> device(Path deviceNote, Path image) {
    try {
      String dev = Files.readString(deviceNote).strip();
      return LoopDevices.backingFile(dev).filter(f -> f.equals(image.toString())).map(f -> dev);
    } catch (IOException | SyscallException e) {
      return Optional.empty();
    }
  }
}
