package dev.warren.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.warren.browser.TestSite;
import dev.warren.testing.TestWarren;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Named browser profiles through the SDK: saved at close, loaded by the next session, one writer, export, delete. */
class SdkProfilesTest {
  static TestWarren server;
  static Warren warren;
  static TestSite site;

  @RegisterExtension
  static final ServerLogOnFailure logs = new ServerLogOnFailure(() -> server);

  @BeforeAll
  static void start() throws Exception {
    TestWarren.ensureImage("browser");
    server = TestWarren.start();
    warren = server.sdk();
    site = new TestSite();
  }

  @AfterAll
  static void stop() {
    try (var s = server; var w = warren; var t = site) {
      // closed in reverse order: the site, the client, the server
    }
  }

  @AfterEach
  void noSessionIsLeftOpen() {
    assertThat(warren.browsers().list()).as("live sessions after the test").isEmpty();
  }

  @Test
  void aProfileSavedWhenItsSessionClosesLogsTheNextSessionIn(@TempDir Path dir) throws Exception {
    String name = "shop-" + UUID.randomUUID();
    BrowserSpec spec = BrowserSpec.builder().profile(name).allowEgress(site.allow()).build();
    try (Browser first = warren.browsers().create(spec)) {
      assertThat(first.info().profile()).contains(name);
      assertThat(first.info().profileReadOnly()).isFalse();
      assertThat(warren.profiles().get(name)).hasValueSatisfying(p -> assertThat(p.inUseBy()).contains(first.id()));
      assertThat(first.actions().navigate(site.url("/login")).title()).isEqualTo("Logged in");
    } // closing saves the profile

    ProfileInfo saved = warren.profiles().get(name).orElseThrow();
    assertThat(saved.sizeBytes()).isPositive();
    assertThat(saved.inUseBy()).isEmpty();
    assertThat(saved.updatedAt()).isAfterOrEqualTo(saved.createdAt());
    assertThat(warren.profiles().list()).extracting(ProfileInfo::name).contains(name);

    byte[] tar = warren.profiles().export(name);
    assertThat(tar).hasSize((int) saved.sizeBytes());
    assertThat(new String(tar, 257, 5, StandardCharsets.US_ASCII)).as("a tar header").isEqualTo("ustar");
    Path file = dir.resolve(name + ".tar");
    assertThat(warren.profiles().export(name, file)).isEqualTo(saved.sizeBytes());
    assertThat(Arrays.equals(Files.readAllBytes(file), tar)).isTrue();

    try (Browser next = warren.browsers().create(spec)) {
      next.actions().navigate(site.url("/whoami"));
      assertThat(next.actions().text()).contains("session=agent-logged-in");
    }

    assertThat(warren.profiles().delete(name)).isTrue();
    assertThat(warren.profiles().get(name)).isEmpty();
    assertThat(warren.profiles().delete(name)).isFalse();
    NotFoundException gone = catchThrowableOfType(NotFoundException.class, () -> warren.profiles().export(name));
    assertThat(gone.detail()).contains("no profile " + name);
  }

  @Test
  void aSecondWriterGetsAConflictCarryingTheProblemAndAReaderIsLetIn() {
    String name = "shared-" + UUID.randomUUID();
    try (Browser writer = warren.browsers().create(BrowserSpec.builder().profile(name).build())) {
      ConflictException second = catchThrowableOfType(ConflictException.class,
          () -> warren.browsers().create(BrowserSpec.builder().profile(name).build()).close());
      assertThat(second.status()).isEqualTo(409);
      assertThat(second.method()).isEqualTo("POST");
      assertThat(second.path()).isEqualTo("/v1/browsers");
      assertThat(second.problem()).hasValueSatisfying(p -> {
        assertThat(p.type()).isEqualTo("https://warren.dev/problems/conflict");
        assertThat(p.status()).isEqualTo(409);
        assertThat(p.detail()).hasValueSatisfying(d -> assertThat(d)
            .contains("profile '" + name + "' is being written by browser session " + writer.id()).contains("profileReadOnly"));
        assertThat(p.extensions()).containsEntry("writer", writer.id());
      });
      assertThat(second).hasMessageStartingWith("POST /v1/browsers failed with 409 conflict: profile '" + name + "'");

      ConflictException inUse = catchThrowableOfType(ConflictException.class, () -> warren.profiles().delete(name));
      assertThat(inUse.detail()).hasValueSatisfying(d -> assertThat(d).contains("in use by browser session " + writer.id()));

      try (Browser reader = warren.browsers().create(BrowserSpec.builder().profileReadOnly(name).build())) {
        assertThat(reader.info().state()).isEqualTo(BrowserState.READY);
        assertThat(reader.info().profileReadOnly()).isTrue();
        assertThat(warren.profiles().get(name).orElseThrow().inUseBy()).contains(writer.id());
      }
    }
    assertThat(warren.profiles().get(name).orElseThrow().inUseBy()).isEmpty();
    assertThat(warren.profiles().delete(name)).isTrue();
  }
}
