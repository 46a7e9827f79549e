package dev.warren.browser;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warren.testing.TestWarren.Resp;
import dev.warren.testing.WarrenFixture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code DELETE /v1/browsers} closes sessions by key prefix; closing every session must be asked
 * for with {@code all=true}, never follow from a prefix that is missing or empty (a caller's
 * empty variable used to close everyone's sessions).
 */
class BulkCloseTest {
  @RegisterExtension
  static final WarrenFixture warren = WarrenFixture.plain();

  @Test
  void aMissingOrEmptyKeyPrefixIsRefusedUnlessAllIsAskedFor() {
    for (String path : new String[] {"/v1/browsers", "/v1/browsers?keyPrefix=", "/v1/browsers?all=false"}) {
      Resp r = warren.server().delete(path);
      assertThat(r.status()).as("%s: %s", path, r).isEqualTo(400);
      assertThat(r.json().path("field").asString()).isEqualTo("keyPrefix");
      assertThat(r.json().path("detail").asString()).contains("all=true");
    }
    Resp both = warren.server().delete("/v1/browsers?keyPrefix=agent-&all=true");
    assertThat(both.status()).isEqualTo(400);
    assertThat(warren.server().delete("/v1/browsers?all=true").json().path("closed").asInt()).isZero();
    assertThat(warren.server().delete("/v1/browsers?keyPrefix=agent-42:").json().path("closed").asInt()).isZero();
  }

  @Test
  void theJavaSdkClosesEverySessionOnlyThroughDeleteAll() {
    assertThat(warren.server().sdk().browsers().deleteAll()).isZero();
  }
}
