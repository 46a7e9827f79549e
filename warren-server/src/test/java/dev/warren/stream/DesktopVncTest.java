package dev.warren.stream;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warren.testing.TestWarren;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import tools.jackson.databind.JsonNode;

/**
 * Desktop sandboxes: Xvfb and x11vnc started in the sandbox at each start, reached through the
 * token-checked VNC-over-WebSocket proxy. The test speaks RFB itself (version, no security, init,
 * a full framebuffer update request) and checks a frame of the asked size arrives; after a restart
 * the old viewer is closed with 4001 naming both generations, and a new one gets a frame again.
 */
class DesktopVncTest {
  static TestWarren warren;

  @RegisterExtension
  static final LogOnFailure LOG = new LogOnFailure(() -> warren);

  @BeforeAll
  static void start() {
    TestWarren.ensureImage("browser");
    warren = TestWarren.start();
  }

  @AfterAll
  static void stop() {
    if (warren != null) {
      warren.close();
    }
  }

  /** RFB bytes from the WebSocket as one stream. */
  static final class Rfb {
    private final WsClient ws;
    private ByteBuffer buf = ByteBuffer.allocate(0);

    Rfb(WsClient ws) {
      this.ws = ws;
    }

    byte[] read(int n) throws Exception {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      while (out.size() < n) {
        if (!buf.hasRemaining()) {
          byte[] next = ws.binary.poll(20, TimeUnit.SECONDS);
          if (next == null) {
            throw new AssertionError("no RFB bytes within 20 s (have " + out.size() + " of " + n + ")"
                + (ws.closed.isDone() ? "; closed " + ws.closed.getNow(null) : ""));
          }
          buf = ByteBuffer.wrap(next);
        }
        int take = Math.min(n - out.size(), buf.remaining());
        byte[] b = new byte[take];
        buf.get(b);
        out.writeBytes(b);
      }
      return out.toByteArray();
    }

    int u8() throws Exception {
      return read(1)[0] & 0xff;
    }

    int u16() throws Exception {
      return ByteBuffer.wrap(read(2)).getShort() & 0xffff;
    }

    int u32() throws Exception {
      return ByteBuffer.wrap(read(4)).getInt();
    }
  }

  /** Handshakes and asks for the whole screen; returns the first framebuffer update's first rectangle {x, y, w, h}. */
  static int[] firstFrame(WsClient ws, int width, int height) throws Exception {
    Rfb rfb = new Rfb(ws);
    String version = new String(rfb.read(12), StandardCharsets.US_ASCII);
    assertThat(version).startsWith("RFB 003.");
    ws.sendBinary("RFB 003.008\n".getBytes(StandardCharsets.US_ASCII));
    int types = rfb.u8();
    assertThat(types).as("security types offered").isPositive();
    byte[] offered = rfb.read(types);
    assertThat(offered).contains((byte) 1);
    ws.sendBinary(new byte[] {1});
    assertThat(rfb.u32()).as("security result").isZero();
    ws.sendBinary(new byte[] {1});
    int w = rfb.u16();
    int h = rfb.u16();
    assertThat(w).isEqualTo(width);
    assertThat(h).isEqualTo(height);
    rfb.read(16);
    rfb.read(rfb.u32());
    // raw encoding only; then the whole screen, not incremental
    ws.sendBinary(ByteBuffer.allocate(8).put((byte) 2).put((byte) 0).putShort((short) 1).putInt(0).array());
    ws.sendBinary(ByteBuffer.allocate(10).put((byte) 3).put((byte) 0).putShort((short) 0).putShort((short) 0).putShort((short) w)
        .putShort((short) h).array());
    int type = rfb.u8();
    while (type != 0) {
      // skip what is not a framebuffer update (bell, cut text, colour map)
      if (type == 2) {
        type = rfb.u8();
        continue;
      }
      if (type == 3) {
        rfb.read(3);
        rfb.read(rfb.u32());
      }
      type = rfb.u8();
    }
    rfb.read(1);
    int rects = rfb.u16();
    assertThat(rects).isPositive();
    int[] r = {rfb.u16(), rfb.u16(), rfb.u16(), rfb.u16()};
    int encoding = rfb.u32();
    assertThat(encoding).isZero();
    byte[] pixels = rfb.read(r[2] * r[3] * 4);
    assertThat(pixels).hasSize(r[2] * r[3] * 4);
    return r;
  }

  URI vnc(String id, String token) {
    return URI.create("ws://" + warren.base().getAuthority() + "/v1/sandboxes/" + id + "/vnc?token=" + token);
  }

  @Test
  void aVncViewerOfADesktopSandboxReceivesAFrameAndFollowsARestart() throws Exception {
    JsonNode s = warren.post("/v1/sandboxes", "{\"image\": \"browser\", \"desktop\": {\"width\": 800, \"height\": 600}}").json();
    String id = s.path("id").asString();
    assertThat(s.path("desktop").path("width").asInt()).as(s.toString()).isEqualTo(800);
    assertThat(s.path("desktop").path("height").asInt()).isEqualTo(600);
    assertThat(s.path("desktop").path("vncPath").asString()).isEqualTo("/v1/sandboxes/" + id + "/vnc");
    String signed = URI.create(warren.post("/v1/sandboxes/" + id + "/vnc-url", "{\"ttlSeconds\": 60}").json().path("url").asString())
        .getQuery().replace("token=", "");
    try (WsClient ws = WsClient.open(vnc(id, signed), false)) {
      int[] r = firstFrame(ws, 800, 600);
      assertThat(r[2] * r[3]).isPositive();
      assertThat(warren.post("/v1/sandboxes/" + id + "/restart", "{}").status()).isEqualTo(200);
      WsClient.Closed closed = ws.awaitClose(Duration.ofSeconds(20));
      assertThat(closed.code()).isEqualTo(4001);
      assertThat(closed.reason()).contains("generation 1 -> 2");
    }
    // the desktop is started again with the new generation
    try (WsClient ws = WsClient.open(vnc(id, warren.token()), false)) {
      firstFrame(ws, 800, 600);
    }
    warren.delete("/v1/sandboxes/" + id);
  }

  @Test
  void aHeadedBrowserDrawsOnADesktopThatCanBeWatchedBothWays() throws Exception {
    var r = warren.post("/v1/browsers", "{\"headless\": false, \"viewport\": {\"width\": 1024, \"height\": 768}}");
    assertThat(r.status()).as(r.toString()).isEqualTo(201);
    JsonNode b = r.json();
    String sandbox = b.path("sandboxId").asString();
    assertThat(b.path("desktop").path("vncPath").asString()).isEqualTo("/v1/sandboxes/" + sandbox + "/vnc");
    assertThat(warren.get("/v1/sandboxes/" + sandbox).json().path("desktop").path("width").asInt()).isEqualTo(1024);
    try (WsClient ws = WsClient.open(vnc(sandbox, warren.token()), false)) {
      firstFrame(ws, 1024, 768);
    }
    var inner = warren.post("/v1/browsers/" + b.path("id").asString() + "/actions/evaluate", "{\"expression\": \"innerWidth + 'x' + innerHeight\"}");
    assertThat(inner.json().path("value").asString()).isEqualTo("1024x768");
    URI live = URI.create("ws://" + warren.base().getAuthority() + "/v1/browsers/" + b.path("id").asString() + "/live?viewer=v&token="
        + warren.token());
    try (WsClient ws = WsClient.open(live, true)) {
      ws.await("hello", Duration.ofSeconds(20));
      JsonNode frame = ws.await("frame", Duration.ofSeconds(10));
      assertThat(frame.path("width").asInt()).isEqualTo(1024);
    }
    assertThat(warren.delete("/v1/browsers/" + b.path("id").asString()).status()).isEqualTo(204);
  }

  @Test
  void desktopsAreCheckedAtCreateAndVncTokensAreBoundToTheirSandbox() throws Exception {
    var base = warren.post("/v1/sandboxes", "{\"image\": \"base\", \"desktop\": {\"width\": 800, \"height\": 600}}");
    assertThat(base.status()).isEqualTo(400);
    assertThat(base.json().path("field").asString()).isEqualTo("desktop");
    assertThat(base.json().path("detail").asString()).contains("Xvfb");
    var small = warren.post("/v1/sandboxes", "{\"image\": \"browser\", \"desktop\": {\"width\": 10, \"height\": 600}}");
    assertThat(small.status()).isEqualTo(400);
    assertThat(small.json().path("field").asString()).isEqualTo("desktop.width");
    var unknown = warren.post("/v1/sandboxes", "{\"image\": \"browser\", \"desktop\": {\"depth\": 24}}");
    assertThat(unknown.json().path("field").asString()).isEqualTo("desktop.depth");

    String plain = warren.createSandbox("{}");
    assertThat(warren.get("/v1/sandboxes/" + plain).json().path("desktop").isNull()).isTrue();
    try (WsClient ws = WsClient.open(vnc(plain, warren.token()), false)) {
      WsClient.Closed c = ws.awaitClose(Duration.ofSeconds(20));
      assertThat(c.code()).isEqualTo(4000);
      assertThat(c.reason()).contains("has no desktop");
    }
    String other = "sbx_" + "0".repeat(26);
    String token = URI.create(warren.post("/v1/sandboxes/" + plain + "/vnc-url", "{}").json().path("url").asString()).getQuery()
        .replace("token=", "");
    try (WsClient ws = WsClient.open(vnc(other, token), false)) {
      WsClient.Closed c = ws.awaitClose(Duration.ofSeconds(10));
      assertThat(c.code()).isEqualTo(4003);
      assertThat(c.reason()).contains("not valid");
    }
    try (WsClient ws = WsClient.open(vnc(other, warren.token()), false)) {
      assertThat(ws.awaitClose(Duration.ofSeconds(10)).code()).isEqualTo(4004);
    }
    warren.delete("/v1/sandboxes/" + plain);
  }
}
