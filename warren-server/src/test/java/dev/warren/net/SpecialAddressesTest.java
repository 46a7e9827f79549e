package dev.warren.net;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class SpecialAddressesTest {

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "127.0.0.1          | a loopback address (this host)",
      "127.0.0.2          | a loopback address (this host)",
      "0.0.0.0            | the unspecified address (this host)",
      "0.1.2.3            | the unspecified address (this host)",
      "169.254.169.254    | a link-local address (cloud metadata)",
      "224.0.0.1          | a multicast address",
      "255.255.255.255    | a reserved address",
      "::1                | a loopback address (this host)",
      "::                 | the unspecified address (this host)",
      "fe80::1            | a link-local address",
      "ff02::1            | a multicast address",
      "::ffff:127.0.0.1   | a loopback address (this host)",
      "::ffff:7f00:2      | a loopback address (this host)",
      "::127.0.0.1        | a loopback address (this host), carried in IPv6 as 0:0:0:0:0:0:7f00:1 (127.0.0.1)",
      "64:ff9b::7f00:1    | a loopback address (this host), carried in IPv6 as 64:ff9b:0:0:0:0:7f00:1 (127.0.0.1)",
      "64:ff9b::a9fe:a9fe | a link-local address (cloud metadata), carried in IPv6 as 64:ff9b:0:0:0:0:a9fe:a9fe (169.254.169.254)",
      "2002:7f00:1::      | a loopback address (this host), carried in IPv6 as 2002:7f00:1:0:0:0:0:0 (127.0.0.1)"})
  void neverReachedWhateverThePolicy(String address, String why) {
    assertThat(SpecialAddresses.never(InetAddress.ofLiteral(address))).contains(why);
  }

  @ParameterizedTest
  @ValueSource(strings = {"10.1.2.3", "172.16.0.1", "172.31.255.255", "192.168.1.1", "100.64.0.1", "198.18.0.2", "198.19.255.255",
      "192.0.2.1", "198.51.100.7", "203.0.113.9", "192.0.0.8", "fd00::2", "fc00::1", "2001:db8::1", "64:ff9b::a01:203"})
  void privateAndSpecialPurposeAddressesAreNotThePublicInternet(String address) {
    InetAddress a = InetAddress.ofLiteral(address);
    assertThat(SpecialAddresses.never(a)).isEmpty();
    assertThat(SpecialAddresses.nonPublic(a)).isPresent();
  }

  @ParameterizedTest
  @ValueSource(strings = {"1.1.1.1", "8.8.8.8", "93.184.215.14", "172.32.0.1", "100.128.0.1", "2606:4700::1111", "2a00:1450::1",
      "64:ff9b::808:808"})
  void publicAddressesAreNeitherNeverNorNonPublic(String address) {
    InetAddress a = InetAddress.ofLiteral(address);
    assertThat(SpecialAddresses.never(a)).isEmpty();
    assertThat(SpecialAddresses.nonPublic(a)).isEmpty();
  }
}
