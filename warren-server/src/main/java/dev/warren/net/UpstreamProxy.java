package dev.warren.net;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Optional;

/**
 * A validated {@link EgressPolicy#upstreamProxy()}: where to connect and the {@code
 * Proxy-Authorization} value to send. {@link #toString()} masks the password, so the record is safe
 * to log; {@link #authorization()} is not, and goes only onto the wire.
 */
record UpstreamProxy(Target address, Optional<String> user, Optional<String> authorization) {

  /**
   * @throws IllegalArgumentException naming the (masked) URI and what is wrong with it
   */
  static UpstreamProxy parse(URI uri) {
    String shown = mask(uri);
    if (uri.getScheme() == null || !uri.getScheme().toLowerCase(Locale.ROOT).equals("http")) {
      throw invalid(shown, "the scheme must be http");
    }
    if (uri.getRawAuthority() == null || uri.getHost() == null) {
      throw invalid(shown, "a host is required");
    }
    if (uri.getPort() == -1) {
      throw invalid(shown, "a port is required");
    }
    String path = uri.getRawPath();
    if ((path != null && !path.isEmpty() && !path.equals("/"))
        || uri.getRawQuery() != null
        || uri.getRawFragment() != null) {
      throw invalid(shown, "it must not have a path, query or fragment");
    }
    Target address;
    try {
      address = Target.parse(uri.getHost() + ":" + uri.getPort(), 0);
    } catch (IllegalArgumentException e) {
      throw invalid(shown, e.getMessage());
    }
    String userInfo = uri.getRawUserInfo();
    if (userInfo == null) {
      return new UpstreamProxy(address, Optional.empty(), Optional.empty());
    }
    int colon = userInfo.indexOf(':');
    String user;
    String password;
    try {
      user = percentDecode(colon < 0 ? userInfo : userInfo.substring(0, colon));
      password = colon < 0 ? "" : percentDecode(userInfo.substring(colon + 1));
    } catch (IllegalArgumentException e) {
      throw invalid(shown, "the user-info has a malformed %-escape");
    }
    String basic = Base64.getEncoder()
        .encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    return new UpstreamProxy(address, Optional.of(user), Optional.of("Basic " + basic));
  }

  /**
   * The URI with any password replaced by {@code ***}. Works on the raw authority, so it also masks
   * URIs that {@link URI} could not split into user-info, host and port.
   */
  static String mask(URI uri) {
    String authority = uri.getRawAuthority();
    String scheme = uri.getScheme() == null ? "" : uri.getScheme() + ":";
    if (uri.isOpaque() || authority == null) {
      return scheme + "<no host>";
    }
    int at = authority.lastIndexOf('@');
    if (at >= 0) {
      String userInfo = authority.substring(0, at);
      int colon = userInfo.indexOf(':');
      authority = (colon < 0 ? userInfo : userInfo.substring(0, colon)) + ":***"
          + authority.substring(at);
    }
    return scheme + "//" + authority
        + (uri.getRawPath() == null ? "" : uri.getRawPath())
        + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery())
        + (uri.getRawFragment() == null ? "" : "#" + uri.getRawFragment());
  }

  private static IllegalArgumentException invalid(String shown, String why) {
    return new IllegalArgumentException("egress upstreamProxy '" + shown + "' is invalid: " + why);
  }

  private static String percentDecode(String raw) {
    if (raw.indexOf('%') < 0) {
      return raw;
    }
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(raw.length());
    int i = 0;
    while (i < raw.length()) {
      if (raw.charAt(i) == '%') {
        if (i + 3 > raw.length()) {
          throw new IllegalArgumentException("truncated %-escape");
        }
        bytes.write(HexFormat.fromHexDigits(raw, i + 1, i + 3));
        i += 3;
      } else {
        int next = raw.indexOf('%', i);
        int end = next < 0 ? raw.length() : next;
        bytes.writeBytes(raw.substring(i, end).getBytes(StandardCharsets.UTF_8));
        i = end;
      }
    }
    return bytes.toString(StandardCharsets.UTF_8);
  }

  @Override
  public String toString() {
    return "http://" + user.map(u -> u + ":***@").orElse("") + address;
  }
}
