package dev.warren.client;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/** The {@link Warren} over HTTP; see {@link WarrenBuilder} for its settings. */
final class HttpWarren implements Warren {

  private final HttpTransport transport;
  private final HttpSandboxes sandboxes;
  private final HttpBrowsers browsers;
  private final HttpProfiles profiles;
  private final HttpSnapshots snapshots;
  private final HttpVolumes volumes;
  private final HttpImages images;

  HttpWarren(ClientConfig config) {
    this.transport = new HttpTransport(config);
    this.sandboxes = new HttpSandboxes(transport);
    this.browsers = new HttpBrowsers(transport);
    this.profiles = new HttpProfiles(transport);
    this.snapshots = new HttpSnapshots(transport);
    this.volumes = new HttpVolumes(transport);
    this.images = new HttpImages(transport);
  }

  @Override
  public Sandboxes sandboxes() {
    return sandboxes;
  }

  @Override
  public Browsers browsers() {
    return browsers;
  }

  @Override
  public Snapshots snapshots() {
    return snapshots;
  }

  @Override
  public Volumes volumes() {
    return volumes;
  }

  @Override
  public Images images() {
    return images;
  }

  @Override
  public Profiles profiles() {
    return profiles;
  }

  @Override
  public Health health() {
    var alive = transport.exchange(Call.get("/healthz")).reply();
    var ready = transport.exchange(Call.get("/readyz").retry(Call.Retry.BEFORE_SEND)).reply();
    String status = "unknown";
    Map<String, Object> checks = Map.of();
    if (ready.contentType() != null && ready.contentType().contains("json")) {
      try {
        var fields = JsonFields.of(Json.parse(ready.body()), "readyz");
        status = fields.optString("status").orElse(status);
        var members = fields.optObject("checks").map(JsonFields::members).orElse(Map.of());
        checks = new LinkedHashMap<>(members);
        checks.values().removeIf(Objects::isNull);
      } catch (IllegalArgumentException e) {
        status = "unreadable answer: " + e.getMessage();
      }
    }
    return new Health(alive.status() == 200, ready.status() == 200, status, checks);
  }

  @Override
  public boolean ping() {
    try {
      return transport.exchange(Call.get("/healthz").retry(Call.Retry.NEVER)).reply().status() == 200;
    } catch (WarrenException e) {
      return false;
    }
  }

  @Override
  public void close() {
    transport.close();
  }

  @Override
  public String toString() {
    return "Warren[" + transport + "]";
  }
}
