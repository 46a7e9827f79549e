package dev.warren.runtime.crun;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a start's check of every sandbox directory closes, and what it leaves alone. */
class SandboxDirsTest {
  @TempDir
  Path sandboxes;

  @Test
  void filesLeftOpenAreClosedAndNamedWhileSymbolicLinksAndMissingFilesAreLeftAlone() throws Exception {
    SandboxDirs d = new SandboxDirs(Files.createDirectory(sandboxes.resolve("sbx_test")));
    Files.createDirectories(d.bundle());
    Files.writeString(d.bundle().resolve("config.json"), "{\"env\":[\"TOKEN=secret\"]}");
    Files.setPosixFilePermissions(d.bundle().resolve("config.json"), PosixFilePermissions.fromString("rw-r--r--"));
    Files.setPosixFilePermissions(d.bundle(), PosixFilePermissions.fromString("rwxr-xr-x"));
    // a link where a file is expected: neither it nor what it points at may be changed
    Path target = Files.writeString(sandboxes.resolve("elsewhere"), "not a sandbox's");
    Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rw-rw-rw-"));
    Files.createSymbolicLink(d.slotFile(), target);
    Files.setPosixFilePermissions(d.root(), PosixFilePermissions.fromString("rwxr-xr-x"));
    int me = (int) Files.getAttribute(d.root(), "unix:uid");

    List<String> changed = d.secure(me);

    assertThat(changed).hasSize(3).anyMatch(c -> c.startsWith(d.bundle().resolve("config.json") + " ") && c.endsWith("0644 -> " + me + " 0600"))
        .anyMatch(c -> c.startsWith(d.bundle() + " ")).anyMatch(c -> c.startsWith(d.root() + " "));
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(d.bundle().resolve("config.json")))).isEqualTo("rw-------");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(d.bundle()))).isEqualTo("rwx------");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(d.root()))).isEqualTo("rwx------");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(target))).isEqualTo("rw-rw-rw-");
    assertThat(Files.isSymbolicLink(d.slotFile())).isTrue();
    assertThat(Files.exists(d.diskImage(), LinkOption.NOFOLLOW_LINKS)).isFalse();
    // what is as it should be is not named again
    assertThat(d.secure(me)).isEmpty();
  }
}
