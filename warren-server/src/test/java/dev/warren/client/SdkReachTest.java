package dev.warren.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.warren.testing.TestWarren;
import dev.warren.testing.WarrenFixture;
import java.io.InputStream;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code reach} through the SDK against a real Warren: a browser created with the app's sandbox
 * opens the app an agent serves there, one created without is refused, and a sandbox's
 * {@code egress.reach} comes back in its answer.
 */
class SdkReachTest {
  @RegisterExtension
  static final WarrenFixture warren = WarrenFixture.withBrowserImage();

  /** Starts preview/app.py on port 8000 of {@code app} and waits until Warren sees it answer. */
  static void serve(Sandbox app) throws Exception {
    try (InputStream in = SdkReachTest.class.getResourceAsStream("/preview/app.py")) {
      app.files().write("/tmp/app.py", in.readAllBytes());
    }
    app.exec("nohup python3 /tmp/app.py 8000 >/tmp/app.log 2>&1 & echo started");
    TestWarren w = warren.server();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (w.get("/v1/sandboxes/" + app.id() + "/ports/8000/ready").status() != 200) {
      assertThat(System.nanoTime()).as("the app answers within 60 s").isLessThan(deadline);
      Thread.sleep(100);
    }
  }

  @Test
  void aBrowserGivenTheAppsSandboxOpensItAndOneWithoutIsRefused() throws Exception {
    try (Warren sdk = warren.server().sdk(); Sandbox app = sdk.sandboxes().create(SandboxSpec.defaults())) {
      serve(app);
      String url = "http://" + app.id() + ":8000/hello";
      try (Browser with = sdk.browsers().create(BrowserSpec.builder().reach(app.id() + ":8000").build());
          Browser without = sdk.browsers().create(BrowserSpec.defaults())) {
        assertThat(with.info().egress().reach()).containsExactly(app.id() + ":8000");
        assertThat(with.info().egress().allow()).isEmpty();
        assertThat(with.actions().navigate(url).url()).isEqualTo(url);
        assertThat(with.actions().text()).contains("hello from the app at /hello");

        assertThat(without.info().egress().reach()).isEmpty();
        assertThatThrownBy(() -> without.actions().navigate(url))
            .isInstanceOf(ConflictException.class)
            .hasMessageContaining("403");
      }
    }
  }

  @Test
  void aSandboxsReachComesBackAndABadEntryIsRefusedNamingTheField() {
    try (Warren sdk = warren.server().sdk(); Sandbox app = sdk.sandboxes().create(SandboxSpec.defaults());
        Sandbox caller = sdk.sandboxes().create(SandboxSpec.builder().allowEgress("example.com:443").reach(app.id()).build())) {
      assertThat(caller.info().egress().reach()).containsExactly(app.id());
      assertThat(caller.refresh().egress().reach()).containsExactly(app.id());
      assertThat(caller.refresh().egress().allow()).containsExactly("example.com:443");
      assertThat(app.info().egress().reach()).as("reach is one-way").isEmpty();

      assertThatThrownBy(() -> sdk.sandboxes().create(SandboxSpec.builder().reach("10.0.0.1:80").build()))
          .isInstanceOfSatisfying(InvalidInputException.class, e -> assertThat(e.field()).contains("egress.reach"));
      assertThatThrownBy(() -> sdk.browsers().create(BrowserSpec.builder().reach(app.id() + ":99999").build()))
          .isInstanceOfSatisfying(InvalidInputException.class, e -> assertThat(e.field()).contains("egress.reach"));
    }
  }
}
