package dev.warren.client;

import java.net.URI;
import java.time.Duration;
import java.util.Objects;

/** Validated settings of one client, made by {@link WarrenBuilder}. */
record ClientConfig(URI baseUrl, String token, Duration connectTimeout, Duration requestTimeout, Backoff backoff) {

  ClientConfig {
    Objects.requireNonNull(baseUrl, "baseUrl");
    Objects.requireNonNull(token, "token");
    Objects.requireNonNull(connectTimeout, "connectTimeout");
    Objects.requireNonNull(requestTimeout, "requestTimeout");
    Objects.requireNonNull(backoff, "backoff");
  }

  @Override
  public String toString() {
    return "ClientConfig[baseUrl=" + baseUrl + ", token=***, connectTimeout=" + connectTimeout
        + ", requestTimeout=" + requestTimeout + ", backoff=" + backoff + "]";
  }
}
