package dev.warren.image;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * Another Warren process in the middle of a build, for {@link DirectoryImagesTest}: takes the
 * image's lock file the way {@link DirectoryImages} does, says "locked", holds it a while, then
 * renames a finished image into place and exits, which releases the lock.
 *
 * <p>Arguments: lock file, finished image directory, its final path, milliseconds to hold.
 */
public final class LockHolder {
  private LockHolder() {}

  public static void main(String[] args) throws Exception {
    try (FileChannel channel = FileChannel.open(Path.of(args[0]), StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      channel.lock();
      channel.truncate(0).write(ByteBuffer.wrap(Long.toString(ProcessHandle.current().pid()).getBytes(StandardCharsets.US_ASCII)), 0);
      System.out.println("locked");
      System.out.flush();
      Thread.sleep(Long.parseLong(args[3]));
      Files.move(Path.of(args[1]), Path.of(args[2]), StandardCopyOption.ATOMIC_MOVE);
    }
  }
}
