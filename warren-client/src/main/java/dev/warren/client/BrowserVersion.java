package dev.warren.client;

import java.util.Objects;

/**
 * What a browser's DevTools report at {@code /json/version}.
 *
 * @param product e.g. {@code Chrome/131.0.6778.85}
 * @param protocolVersion the CDP version, e.g. {@code 1.3}
 * @param webSocketDebuggerUrl the session's CDP URL through Warren, with a freshly signed token
 */
public record BrowserVersion(String product, String protocolVersion, String userAgent, String v8Version,
    String webKitVersion, String webSocketDebuggerUrl) {

  public BrowserVersion {
    Objects.requireNonNull(product, "product");
    Objects.requireNonNull(protocolVersion, "protocolVersion");
    Objects.requireNonNull(userAgent, "userAgent");
    Objects.requireNonNull(v8Version, "v8Version");
    Objects.requireNonNull(webKitVersion, "webKitVersion");
    Objects.requireNonNull(webSocketDebuggerUrl, "webSocketDebuggerUrl");
  }

  @Override
  public String toString() {
    return "BrowserVersion[" + product + ", protocol " + protocolVersion + "]";
  }
}
