package dev.warren.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class AllowListTest {

  private static boolean allows(List<String> patterns, String authority) {
    return AllowList.parse(patterns).allows(Target.parse(authority, 0));
  }

  private static boolean allows(String pattern, String authority) {
    return allows(List.of(pattern), authority);
  }

  @Test
  void emptyListAllowsNothing() {
    assertThat(allows(List.of(), "example.com:443")).isFalse();
  }

  @Test
  void exactHostAllowsEveryPortOfThatHostOnly() {
    assertThat(allows("example.com", "example.com:443")).isTrue();
    assertThat(allows("example.com", "example.com:8080")).isTrue();
    assertThat(allows("example.com", "www.example.com:443")).isFalse();
    assertThat(allows("example.com", "example.com.evil.net:443")).isFalse();
    assertThat(allows("example.com", "badexample.com:443")).isFalse();
  }

  @Test
  void hostsCompareCaseInsensitivelyIgnoringATrailingDot() {
    assertThat(allows("Example.COM", "example.com:443")).isTrue();
    assertThat(allows("example.com.", "EXAMPLE.com:443")).isTrue();
    assertThat(allows("example.com", "example.com.:443")).isTrue();
  }

  @Test
  void wildcardAllowsSubdomainsButNotTheApex() {
    assertThat(allows("*.example.com", "api.example.com:443")).isTrue();
    assertThat(allows("*.example.com", "a.b.example.com:443")).isTrue();
    assertThat(allows("*.example.com", "example.com:443")).isFalse();
    assertThat(allows("*.example.com", "notexample.com:443")).isFalse();
    assertThat(allows("*.example.com:443", "api.example.com:80")).isFalse();
  }

  @Test
  void portSpecificPatternsAllowOnlyThatPort() {
    assertThat(allows("example.com:443", "example.com:443")).isTrue();
    assertThat(allows("example.com:443", "example.com:80")).isFalse();
    assertThat(allows("*:443", "anything.net:443")).isTrue();
    assertThat(allows("*:443", "10.0.0.1:443")).isTrue();
    assertThat(allows("*:443", "anything.net:80")).isFalse();
  }

  @Test
  void starAllowsEverything() {
    assertThat(allows("*", "example.com:1")).isTrue();
    assertThat(allows("*", "[::1]:8080")).isTrue();
  }

  @Test
  void starGrantsThePublicInternetOnlyWhileNamesAndAddressesAreExplicit() {
    AllowList list = AllowList.parse(List.of("*", "db.corp:5432", "10.1.2.3"));
    assertThat(list.grant(Target.parse("example.com:443", 0))).isEqualTo(AllowList.Grant.PUBLIC);
    assertThat(list.grant(Target.parse("10.9.9.9:80", 0))).isEqualTo(AllowList.Grant.PUBLIC);
    assertThat(list.grant(Target.parse("db.corp:5432", 0))).isEqualTo(AllowList.Grant.EXPLICIT);
    assertThat(list.grant(Target.parse("10.1.2.3:80", 0))).isEqualTo(AllowList.Grant.EXPLICIT);
    assertThat(AllowList.parse(List.of("*:443")).grant(Target.parse("example.com:443", 0))).isEqualTo(AllowList.Grant.PUBLIC);
    assertThat(AllowList.parse(List.of("*.corp")).grant(Target.parse("db.corp:1", 0))).isEqualTo(AllowList.Grant.EXPLICIT);
    assertThat(AllowList.parse(List.of("example.com")).grant(Target.parse("other.com:1", 0))).isEqualTo(AllowList.Grant.NONE);
  }

  @ParameterizedTest
  @ValueSource(strings = {"2130706433", "0177.0.0.1", "0x7f.1", "0x7f.0.0.1", "127.1", "010.0.0.1", "127.000.000.001", "0X7F.0x0.0.1",
      "0x1.0x2.0x3.0x4.0x5"})
  void ipv4AddressesSpelledOtherThanDottedDecimalAreRefused(String host) {
    assertThatThrownBy(() -> Target.parse(host + ":80", 0)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("IPv4 address must be written as four decimal numbers");
    assertThatThrownBy(() -> AllowList.parse(List.of(host))).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void addressPatternsMatchAddressLiteralsOnly() {
    assertThat(allows("10.1.2.3", "10.1.2.3:80")).isTrue();
    assertThat(allows("10.1.2.3:8080", "10.1.2.3:80")).isFalse();
    assertThat(allows("[::1]:8080", "[::1]:8080")).isTrue();
    assertThat(allows("[::1]:8080", "[0:0:0:0:0:0:0:1]:8080")).isTrue();
    assertThat(allows("[::1]", "[::1]:9")).isTrue();
    assertThat(allows("::1", "[::1]:9")).isTrue();
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "", "exa mple.com", "host:99999", "host:0", "host:", "host:http", "*.", "*", "**",
      "*.*.example.com", "api.*.com", "-bad-.com", "a..b", "[::1", "[example.com]:80", "1.2.3.400",
      "host/path", "user@host", "*:", "*:x", "*.2.3", "*.[::1]"})
  void parseRejectsMalformedPatternsNamingTheEntry(String pattern) {
    if (pattern.equals("*")) {
      assertThat(AllowList.parse(List.of(pattern)).isEmpty()).isFalse();
      return;
    }
    assertThatThrownBy(() -> AllowList.parse(List.of("example.com", pattern)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'" + pattern + "'");
  }

  @Test
  void policyRejectsBadPatternsAndNamesThem() {
    assertThatThrownBy(() -> new EgressPolicy(List.of("ok.com", "exa mple.com"), Optional.empty()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'exa mple.com'");
    assertThatThrownBy(() -> new EgressPolicy(Arrays.asList("ok.com", null), Optional.empty()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("#1");
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "https://bob:s3cret@proxy.corp:3128", "http://bob:s3cret@proxy.corp",
      "http://bob:s3cret@:3128", "http://bob:s3cret@proxy.corp:3128/path",
      "socks5://bob:s3cret@proxy.corp:1080", "//bob:s3cret@proxy.corp:3128"})
  void policyRejectsBadUpstreamProxiesWithoutShowingThePassword(String uri) {
    assertThatThrownBy(() -> new EgressPolicy(List.of("*"), Optional.of(URI.create(uri))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("upstreamProxy")
        .hasMessageContaining("bob:***")
        .hasMessageNotContaining("s3cret");
  }

  @Test
  void upstreamCredentialsArePercentDecodedAndMaskedWhenShown() {
    URI uri = URI.create("http://b%40b:p%3Ass@proxy.corp:3128");
    UpstreamProxy upstream = UpstreamProxy.parse(uri);
    assertThat(upstream.authorization()).contains("Basic "
        + java.util.Base64.getEncoder().encodeToString("b@b:p:ss".getBytes()));
    assertThat(upstream.toString()).isEqualTo("http://b@b:***@proxy.corp:3128");
    EgressPolicy policy = new EgressPolicy(List.of("*"), Optional.of(uri));
    assertThat(policy.toString()).contains("b%40b:***@proxy.corp:3128").doesNotContain("p%3Ass");
  }
}
