package dev.warren.security;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warren.testing.TestWarren;
import dev.warren.testing.TestWarren.Resp;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Inputs an attacker controls: query parameters of the audit, event and egress listings, JSON
 * bodies that name a key twice, and the dashboard's cookie sent without its CSRF header. Each is
 * refused with a 4xx problem that names what was wrong, and nothing is made or changed.
 */
class ApiInputHardeningTest {
  private static TestWarren warren;
  private static String sandbox;

  @BeforeAll
  static void start() {
    warren = TestWarren.start();
    sandbox = warren.createSandbox("{}");
  }

  @AfterAll
  static void stop() {
    if (warren != null) {
      warren.close();
    }
  }

  @Test
  void anAuditSinceOutsideTheCalendarIs400NamingSince() {
    for (String since : List.of("-999999999-01-01T00:00:00Z", "+999999999-12-31T23:59:59.999999999Z", "-0001-01-01T00:00:00Z",
        "+10000-01-01T00:00:00Z")) {
      Resp r = warren.get("/v1/audit?since=" + enc(since));
      assertThat(r.status()).as("since=%s: %s", since, r).isEqualTo(400);
      assertThat(r.json().path("field").asString()).isEqualTo("since");
      assertThat(r.json().path("detail").asString()).contains("since");
    }
    assertThat(warren.get("/v1/audit?since=" + enc("0000-01-01T00:00:00Z")).status()).isEqualTo(200);
    assertThat(warren.get("/v1/audit?since=" + enc("9999-12-31T23:59:59Z")).json().path("entries").size()).isZero();
  }

  @Test
  void noQueryParameterOfTheAuditEventAndEgressListingsAnswers500() {
    List<String> values = List.of("", " ", "-1", "0", "1001", "99999999999999999999", "1e3", "NaN", "0x10", "１２", "\u0000", "a\u0000b",
        "\u202e", "é".repeat(300), "x".repeat(5_000), "' OR 1=1 --", "%", "%ZZ", "null", "[]", "{}", "-999999999-01-01T00:00:00Z",
        "+999999999-12-31T23:59:59Z", "2026-02-30T00:00:00Z", "2026-01-01T00:00:00+01:00", "1970-01-01T00:00:00Z", "\uD800");
    Map<String, List<String>> routes = Map.of("/v1/audit", List.of("actor", "subject", "since", "limit"),
        "/v1/events", List.of("subject", "limit"), "/v1/sandboxes/" + sandbox + "/egress", List.of("limit"),
        "/v1/sandboxes", List.of("label", "state"));
    List<String> wrong = new ArrayList<>();
    for (var route : routes.entrySet()) {
      for (String param : route.getValue()) {
        for (String v : values) {
          check(route.getKey() + "?" + param + "=" + enc(v), param, wrong);
          check(route.getKey() + "?" + param + "=" + enc(v) + "&" + param + "=" + enc(v), param, wrong);
        }
      }
    }
    assertThat(wrong).isEmpty();
    // nothing harmed: the listings still answer, and the sandbox runs
    assertThat(warren.get("/v1/audit?limit=5").json().path("entries").size()).isPositive();
    assertThat(warren.get("/v1/events?limit=5").status()).isEqualTo(200);
    assertThat(warren.exec(sandbox, "echo ok").path("stdout").asString()).isEqualTo("ok\n");
  }

  /** A 200, or a 400 naming the parameter; anything else is recorded. */
  private static void check(String pathAndQuery, String param, List<String> wrong) {
    Resp r = warren.send("GET", pathAndQuery, HttpRequest.BodyPublishers.noBody(), Map.of(), warren.token());
    String shown = pathAndQuery.length() > 120 ? pathAndQuery.substring(0, 120) + "…" : pathAndQuery;
    if (r.status() == 400) {
      String field = r.json().path("field").asString("");
      if (!field.equals(param) && !r.json().path("detail").asString("").contains(param)) {
        wrong.add(shown + " -> 400 not naming " + param + ": " + r);
      }
    } else if (r.status() != 200) {
      wrong.add(shown + " -> " + r.status() + " " + (r.text().length() > 300 ? r.text().substring(0, 300) : r.text()));
    }
  }

  @Test
  void aJsonBodyNamingAKeyTwiceIs400NamingTheKey() {
    int before = warren.get("/v1/sandboxes").json().path("sandboxes").size();
    Map<String, String[]> cases = new java.util.LinkedHashMap<>();
    cases.put("/v1/sandboxes", new String[] {"{\"image\": \"base\", \"image\": \"other\"}", "image"});
    cases.put("/v1/sandboxes ", new String[] {"{\"limits\": {\"memoryMb\": 256, \"memoryMb\": 100000}}", "limits.memoryMb"});
    cases.put("/v1/sandboxes  ", new String[] {"{\"env\": {\"A\": \"1\", \"A\": \"2\"}}", "env.A"});
    cases.put("/v1/sandboxes   ", new String[] {"{\"egress\": {\"allow\": [\"a.test:443\"], \"allow\": [\"*\"]}}", "egress.allow"});
    cases.put("/v1/sandboxes/" + sandbox + "/exec", new String[] {"{\"command\": \"true\", \"command\": \"id\"}", "command"});
    cases.put("/v1/sandboxes/" + sandbox + "/sessions", new String[] {"{\"cwd\": \"/\", \"cwd\": \"/tmp\"}", "cwd"});
    cases.put("/v1/browsers", new String[] {"{\"key\": \"a\", \"key\": \"b\"}", "key"});
    cases.put("/v1/tokens", new String[] {"{\"name\": \"a\", \"name\": \"b\"}", "name"});
    for (var c : cases.entrySet()) {
      Resp r = warren.post(c.getKey().strip(), c.getValue()[0]);
      assertThat(r.status()).as("%s %s: %s", c.getKey(), c.getValue()[0], r).isEqualTo(400);
      assertThat(r.json().path("type").asString()).endsWith("/invalid-input");
      assertThat(r.json().path("field").asString()).isEqualTo(c.getValue()[1]);
      assertThat(r.json().path("detail").asString()).contains("'" + c.getValue()[1] + "' twice");
    }
    // a key repeated in different objects is no duplicate
    Resp ok = warren.post("/v1/sandboxes/" + sandbox + "/exec", "{\"command\": \"echo $A\", \"env\": {\"A\": \"x\"}}");
    assertThat(ok.json().path("stdout").asString()).isEqualTo("x\n");
    // nothing was made
    assertThat(warren.get("/v1/sandboxes").json().path("sandboxes").size()).isEqualTo(before);
    assertThat(warren.get("/v1/sandboxes/" + sandbox + "/sessions").json().path("sessions").size()).isZero();
    assertThat(warren.get("/v1/browsers").json().path("browsers").size()).isZero();
    assertThat(warren.get("/v1/tokens").json().path("tokens").size()).isZero();
  }

  @Test
  void theDashboardCookieWithoutItsCsrfHeaderIs403AndAStaleCookie401() {
    DashboardLogin login = DashboardLogin.of(warren, warren.token());
    String cookie = login.cookie();
    String csrf = login.csrf();
    int before = warren.get("/v1/sandboxes").json().path("sandboxes").size();

    for (Map<String, String> headers : List.of(Map.of("Cookie", cookie), Map.of("Cookie", cookie, "X-Warren-CSRF", "wrong"))) {
      Resp get = warren.send("GET", "/v1/sandboxes", HttpRequest.BodyPublishers.noBody(), headers, null);
      assertThat(get.status()).as(get.toString()).isEqualTo(403);
      assertThat(get.json().path("type").asString()).endsWith("/forbidden");
      assertThat(get.json().path("detail").asString()).contains("X-Warren-CSRF");
      Map<String, String> post = new java.util.HashMap<>(headers);
      post.put("Content-Type", "application/json");
      assertThat(warren.send("POST", "/v1/sandboxes", HttpRequest.BodyPublishers.ofString("{}"), post, null).status()).isEqualTo(403);
    }
    String forged = cookie.substring(0, cookie.indexOf('=') + 1) + "forged";
    Resp stale = warren.send("GET", "/v1/sandboxes", HttpRequest.BodyPublishers.noBody(), Map.of("Cookie", forged, "X-Warren-CSRF", csrf), null);
    assertThat(stale.status()).as(stale.toString()).isEqualTo(401);
    assertThat(stale.json().path("type").asString()).endsWith("/unauthorized");
    Resp ok = login.get(warren, "/v1/sandboxes");
    assertThat(ok.status()).isEqualTo(200);
    assertThat(ok.json().path("sandboxes").size()).as("no sandbox was made by the refused calls").isEqualTo(before);
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }
}
