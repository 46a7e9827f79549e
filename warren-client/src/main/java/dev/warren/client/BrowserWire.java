package dev.warren.client;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The JSON shapes of browser sessions, DevTools versions and profiles (docs/api.md, "Browsers"). */
final class BrowserWire {

  private BrowserWire() {}

  static Map<String, Object> spec(BrowserSpec spec) {
    var body = new LinkedHashMap<String, Object>();
    spec.key().ifPresent(k -> body.put("key", k));
    spec.profile().ifPresent(p -> body.put("profile", p));
    if (spec.profileReadOnly()) body.put("profileReadOnly", true);
    Wire.egress(spec.egress()).ifPresent(e -> body.put("egress", e));
    spec.viewport().ifPresent(v -> body.put("viewport", Map.of("width", v.width(), "height", v.height())));
    if (!spec.headless()) body.put("headless", false);
    spec.idleTimeout().ifPresent(d -> body.put("idleTimeoutSeconds", d.toSeconds()));
    spec.maxLifetime().ifPresent(d -> body.put("maxLifetimeSeconds", d.toSeconds()));
    spec.idleAction().ifPresent(a -> body.put("idleAction", a.wire()));
    spec.pausedTimeout().ifPresent(d -> body.put("pausedTimeoutSeconds", d.toSeconds()));
    return body;
  }

  static BrowserInfo browser(Object json) {
    var f = JsonFields.of(json, "browser");
    var viewport = f.optObject("viewport")
        .map(v -> new Viewport(v.intValue("width"), v.intValue("height")))
        .orElse(Viewport.DEFAULT);
    var egress = Wire.egress(f);
    return new BrowserInfo(f.string("id"), f.optString("key"), BrowserState.fromWire(f.string("state")),
        f.optString("stateReason"), f.optString("sandboxId"), f.optString("profile"), f.bool("profileReadOnly", false),
        viewport, f.bool("headless", true), egress,
        // 0 is how the server says "never" and "no limit"
        f.optSeconds("idleTimeoutSeconds").filter(d -> !d.isZero()),
        f.optSeconds("maxLifetimeSeconds").filter(d -> !d.isZero()),
        f.longValue("generation"), f.instant("createdAt"), f.optInstant("startedAt"), f.optInstant("closedAt"),
        f.instant("lastActivityAt"), f.optString("cdpUrl"), f.optString("cdpHttpUrl"), f.optString("liveViewUrl"),
        f.optString("liveControlUrl"),
        // servers before idle actions close, and say nothing
        f.optString("idleAction").map(BrowserSpec.IdleAction::fromWire).orElse(BrowserSpec.IdleAction.CLOSE),
        f.optSeconds("pausedTimeoutSeconds").filter(d -> !d.isZero()), f.bool("paused", false));
  }

  static List<BrowserInfo> browsers(Object json) {
    return JsonFields.of(json, "answer").list("browsers").stream().map(BrowserWire::browser).toList();
  }

  static int closed(Object json) {
    return JsonFields.of(json, "answer").intValue("closed");
  }

  static BrowserVersion version(Object json) {
    var f = JsonFields.of(json, "version");
    return new BrowserVersion(f.string("Browser"), f.optString("Protocol-Version").orElse(""),
        f.optString("User-Agent").orElse(""), f.optString("V8-Version").orElse(""),
        f.optString("WebKit-Version").orElse(""), f.string("webSocketDebuggerUrl"));
  }

  static ProfileInfo profile(Object json) {
    var f = JsonFields.of(json, "profile");
    return new ProfileInfo(f.string("name"), f.optLong("sizeBytes").orElse(0L), f.instant("createdAt"),
        f.instant("updatedAt"), f.optString("inUseBy"));
  }

  static List<ProfileInfo> profiles(Object json) {
    return JsonFields.of(json, "answer").list("profiles").stream().map(BrowserWire::profile).toList();
  }

  static Navigation navigation(Object json) {
    var f = JsonFields.of(json, "navigation");
    return new Navigation(f.optString("url").orElse(""), f.optString("title").orElse(""));
  }

  static UploadedFile uploaded(Object json) {
    var f = JsonFields.of(json, "upload");
    return new UploadedFile(f.string("name"), f.longValue("size"), f.string("path"));
  }

  static List<DownloadInfo> downloads(Object json) {
    return JsonFields.of(json, "answer").list("downloads").stream().map(item -> {
      var f = JsonFields.of(item, "download");
      return new DownloadInfo(f.string("name"), f.optLong("size").orElse(0L), f.optString("url"), f.string("state"));
    }).toList();
  }

  /** An action's body: its own members, then the timeout in whole seconds, rounded up. */
  static Map<String, Object> action(Map<String, Object> members, Duration timeout) {
    var body = new LinkedHashMap<>(members);
    body.put("timeoutSeconds", seconds(timeout));
    return body;
  }

  static long seconds(Duration timeout) {
    long s = timeout.toSeconds();
    return timeout.toNanosPart() == 0 ? s : s + 1;
  }
}
