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
      // written beside and renamed: a kill never leaves the note empty or half written
      Path part = deviceNote.resolveSibling(deviceNote.getFileName() + ".part");
      Files.writeString(part, loop.device() + "\n");
      Files.move(part, deviceNote, java.nio.file.StandardCopyOption.ATOMIC_MOVE, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      Syscalls.mount(loop.device(), mnt.toString(), "ext4", MS_NOSUID | MS_NODEV, options);
    }
  }

  /** Mounts an ext4 filesystem already on {@code device} at {@code mnt}. */
  static void mountDevice(String device, Path mnt, String options) {
    Syscalls.mount(device, mnt.toString(), "ext4", MS_NOSUID | MS_NODEV, options);
  }

  /**
   * The loop device still attached to {@code image}: the one noted in {@code deviceNote}, or, when
   * the note is missing or not a loop device's name (an older Warren killed while writing it left
   * it empty), the one the kernel says holds the image.
   */
  static Optional<String> device(Path deviceNote, Path image) {
    String noted;
    try {
      noted = Files.readString(deviceNote).strip();
    } catch (IOException e) {
      noted = "";
    }
    try {
      if (LoopDevices.isLoopDevice(noted)) {
        String dev = noted;
        return LoopDevices.backingFile(dev).filter(f -> f.equals(image.toString())).map(f -> dev);
      }
      if (!Files.exists(image)) {
        return Optional.empty();
      }
      return LoopDevices.backingFiles().entrySet().stream().filter(e -> e.getValue().equals(image.toString())).map(java.util.Map.Entry::getKey)
          .findFirst();
    } catch (SyscallException e) {
      return Optional.empty();
    }
  }
}
