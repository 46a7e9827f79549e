package dev.warren.runtime.microvm;

import dev.warren.runtime.SandboxRuntimeException;
import dev.warren.runtime.StartSpec;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;

/**
 * One boot's configuration, as the guest's init reads it: a small raw disk (serial
 * {@code warren-config}, read-only to the guest) of NUL-terminated records, {@code WARREN 1}
 * first, then {@code id=}, {@code generation=}, {@code hostname=} and one {@code env=KEY=VALUE} per
 * variable, zero-padded to whole sectors. Written fresh at every start, so nothing per sandbox is
 * ever in the image or its base disk. Stateless.
 */
final class ConfigDisk {
  private ConfigDisk() {}

  static byte[] content(StartSpec spec) {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    record(b, "WARREN 1");
    record(b, "id=" + spec.id());
    record(b, "generation=" + spec.generation());
    record(b, "hostname=" + spec.id());
    for (Map.Entry<String, String> e : spec.env().entrySet()) {
      if (e.getKey().indexOf('\0') >= 0 || e.getValue().indexOf('\0') >= 0 || e.getKey().contains("=")) {
        throw new IllegalArgumentException("environment variable " + e.getKey() + " cannot be passed to a VM");
      }
      record(b, "env=" + e.getKey() + "=" + e.getValue());
    }
    int size = Math.max(4096, (b.size() + 1 + 511) / 512 * 512);
    byte[] disk = new byte[size];
    System.arraycopy(b.toByteArray(), 0, disk, 0, b.size());
    return disk;
  }

  static void write(Path file, StartSpec spec) {
    try {
      Files.deleteIfExists(file);
      Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      Files.write(file, content(spec), StandardOpenOption.TRUNCATE_EXISTING);
    } catch (IOException e) {
      throw new SandboxRuntimeException("cannot write the config disk " + file + " of sandbox " + spec.id() + ": " + e.getMessage(), e);
    }
  }

  private static void record(ByteArrayOutputStream b, String r) {
    b.writeBytes(r.getBytes(StandardCharsets.UTF_8));
    b.write(0);
  }
}
