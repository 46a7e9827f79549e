package dev.warren.runtime.microvm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.warren.image.Image;
import dev.warren.runtime.Limits;
import dev.warren.runtime.StartSpec;
import java.net.InetAddress;
import java.net.Inet4Address;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The per-boot config disk the guest's init reads: NUL-terminated records, whole sectors, nothing else. */
class ConfigDiskTest {

  @Test
  void recordsCarryIdGenerationHostnameAndEveryVariableVerbatim() throws Exception {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("GREETING", "hello world; $(not run) `nor this`");
    env.put("EMPTY", "");
    byte[] disk = ConfigDisk.content(spec(env));
    assertThat(disk.length % 512).isZero();
    String text = new String(disk, StandardCharsets.UTF_8);
    List<String> records = Arrays.stream(text.split("\0")).filter(r -> !r.isEmpty()).toList();
    assertThat(records).containsExactlyInAnyOrder("WARREN 1", "id=sbx_test", "generation=7", "hostname=sbx_test",
        "env=GREETING=hello world; $(not run) `nor this`", "env=EMPTY=");
    assertThat(records.getFirst()).isEqualTo("WARREN 1");
  }

  @Test
  void aLargeEnvironmentGrowsTheDiskInWholeSectors() throws Exception {
    byte[] disk = ConfigDisk.content(spec(Map.of("BIG", "x".repeat(10_000))));
    assertThat(disk.length).isGreaterThan(10_000);
    assertThat(disk.length % 512).isZero();
    assertThat(disk[disk.length - 1]).isZero();
  }

  @Test
  void aVariableTheGuestCouldNotReadBackIsRefusedNamingIt() {
    assertThatThrownBy(() -> ConfigDisk.content(spec(Map.of("BAD", "a\0b")))).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("BAD");
  }

  private static StartSpec spec(Map<String, String> env) throws Exception {
    Image image = new Image("base", "sha256:" + "0".repeat(64), Path.of("/nonexistent/rootfs"), Instant.EPOCH, 0);
    return new StartSpec("sbx_test", image, 1, (Inet4Address) InetAddress.getByName("10.0.0.2"), 7, env,
        new Limits(384, 128, 1, Limits.NO_DISK, 0));
  }
}
