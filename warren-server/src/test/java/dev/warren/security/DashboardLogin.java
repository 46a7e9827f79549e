package dev.warren.security;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warren.testing.TestWarren;
import java.net.http.HttpRequest;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A dashboard login over plain HTTP (the login form, then the page's CSRF value): its cookie ("name=value") and CSRF value. */
record DashboardLogin(String cookie, String csrf) {

  /** Logs in to the dashboard of {@code warren} with {@code token}. */
  static DashboardLogin of(TestWarren warren, String token) {
    TestWarren.Resp r = warren.send("POST", "/login", HttpRequest.BodyPublishers.ofString("token=" + token),
        Map.of("Content-Type", "application/x-www-form-urlencoded"), null);
    assertThat(r.status()).as("dashboard login: %s", r).isEqualTo(303);
    String cookie = r.raw().headers().firstValue("Set-Cookie").orElseThrow().split(";")[0];
    TestWarren.Resp index = warren.send("GET", "/", HttpRequest.BodyPublishers.noBody(), Map.of("Cookie", cookie), null);
    Matcher m = Pattern.compile("name=\"warren-csrf\" content=\"([^\"]+)\"").matcher(index.text());
    assertThat(m.find()).as("the page carries its CSRF value").isTrue();
    return new DashboardLogin(cookie, m.group(1));
  }

  /** {@code GET path} with the cookie and the CSRF header, as the dashboard page calls the API. */
  TestWarren.Resp get(TestWarren warren, String path) {
    return warren.send("GET", path, HttpRequest.BodyPublishers.noBody(), Map.of("Cookie", cookie, "X-Warren-CSRF", csrf), null);
  }
}
