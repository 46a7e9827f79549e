package dev.warren.runtime.microvm;

import dev.warren.runtime.RuntimeUnavailableException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The guest kernel and initramfs every VM boots, as {@code build-kernel.sh} (run by
 * {@code ./warren up}) left them: {@code <images>/.microvm/kernel/current/{vmlinuz,initrd.img}},
 * built from pinned Debian packages and cached by digest. Read at each boot (a new build is used
 * by the next VM started). Immutable.
 */
record Artifacts(Path kernel, Path initrd, String kernelVersion) {

  static Artifacts find(Path microvmImages) {
    Path current = microvmImages.resolve("kernel").resolve("current");
    Path kernel = current.resolve("vmlinuz");
    Path initrd = current.resolve("initrd.img");
    if (!Files.isRegularFile(kernel) || !Files.isRegularFile(initrd)) {
      throw new RuntimeUnavailableException("the microVM kernel is not built (no " + kernel + " or " + initrd
          + "); ./warren up builds it (warren-server/src/main/resources/dev/warren/runtime/microvm/build-kernel.sh "
          + microvmImages.getParent() + ")");
    }
    try {
      Path dir = current.toRealPath();
      String version = Files.readString(dir.resolve("version")).strip();
      return new Artifacts(dir.resolve("vmlinuz"), dir.resolve("initrd.img"), version);
    } catch (IOException e) {
      throw new RuntimeUnavailableException("cannot read the microVM kernel in " + current + ": " + e.getMessage(), e);
    }
  }
}
