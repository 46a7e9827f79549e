package dev.warren.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warren.image.Image;
import dev.warren.image.Images;
import dev.warren.testing.TestWarren;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/** A clone carries its image's whole content and never changes the image. */
class GoldenImageTest {

  private static String sha(Path p) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p)));
  }

  @Test
  void sandboxRewritingFilesLeavesTheGoldenImageUnchanged() throws Exception {
    Image base = Images.open(TestWarren.IMAGES).require("base");
    Path osRelease = base.rootfs().resolve("usr/lib/os-release");
    Path curl = base.rootfs().resolve("usr/bin/curl");
    String before = sha(osRelease);
    long curlSize = Files.size(curl);
    try (TestWarren warren = TestWarren.start()) {
      String vandal = warren.createSandbox("{}");
      var r = warren.exec(vandal, "echo ruined > /usr/lib/os-release && rm /usr/bin/curl && chown 1000 /usr/bin/git "
          + "&& echo ok && ls -ln /usr/bin/git | awk '{print $3}'");
      assertThat(r.path("stdout").asString()).isEqualTo("ok\n1000\n");
      assertThat(sha(osRelease)).isEqualTo(before);
      assertThat(Files.size(curl)).isEqualTo(curlSize);
      assertThat(Files.getOwner(base.rootfs().resolve("usr/bin/git")).getName()).isEqualTo("root");

      // a fresh clone sees the original content, with the image's files owned by its own root
      String fresh = warren.createSandbox("{}");
      var f = warren.exec(fresh, "grep -c VERSION_CODENAME=bookworm /usr/lib/os-release; test -x /usr/bin/curl && echo curl; stat -c '%u' /usr/bin/git");
      assertThat(f.path("stdout").asString()).isEqualTo("1\ncurl\n0\n");
      // and the vandal still sees its own changes after a restart
      warren.post("/v1/sandboxes/" + vandal + "/restart", null);
      assertThat(warren.exec(vandal, "cat /usr/lib/os-release; test -e /usr/bin/curl || echo gone").path("stdout").asString())
          .isEqualTo("ruined\ngone\n");
    }
  }
}
