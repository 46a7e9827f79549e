package dev.warren.security;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warren.testing.TestWarren;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/**
 * Probes Warren's egress proxy from inside a sandbox, as code running there would: {@code curl}
 * through {@code $HTTP_PROXY} (plain and CONNECT), and raw bytes written to the proxy by a small
 * Python client (requests curl would refuse or rewrite: numeric host spellings, pipelining,
 * conflicting framing, TRACE).
 */
final class ProxyProbe {

  /** Sends argv[1] (base64) to the proxy, prints everything it answers until it closes or argv[2] seconds pass. */
  private static final String RAW_PY = """
      import base64, os, socket, sys, time
      proxy = os.environ['HTTP_PROXY'].replace('http://', '').rstrip('/')
      host, port = proxy.rsplit(':', 1)
      s = socket.create_connection((host, int(port)), 10)
      s.sendall(base64.b64decode(sys.argv[1]))
      deadline = time.time() + float(sys.argv[2]) if len(sys.argv) > 2 else time.time() + 10
      out = b''
      while time.time() < deadline:
          s.settimeout(max(0.05, deadline - time.time()))
          try:
              b = s.recv(65536)
          except socket.timeout:
              break
          except ConnectionResetError:
              out += b'<reset>'
              break
          if not b:
              break
          out += b
      sys.stdout.buffer.write(out)
      """;

  private final TestWarren warren;

  ProxyProbe(TestWarren warren) {
    this.warren = warren;
  }

  /** Puts the raw client into the sandbox. */
  void install(String sandboxId) {
    TestWarren.Resp r = warren.put("/v1/sandboxes/" + sandboxId + "/files?path=/tmp/raw.py", RAW_PY.getBytes(StandardCharsets.UTF_8));
    assertThat(r.status()).as(r.toString()).isIn(200, 201, 204);
  }

  JsonNode exec(String sandboxId, String command) {
    TestWarren.Resp r = warren.post("/v1/sandboxes/" + sandboxId + "/exec", TestWarren.json(Map.of("command", command, "timeoutSeconds", 60)));
    assertThat(r.status()).as(r.toString()).isEqualTo(200);
    return r.json();
  }

  /** A plain proxied GET: the body, a space, the status ({@code 000}: no answer). */
  String get(String sandboxId, String url) {
    return exec(sandboxId, "curl -sg --noproxy '' -m 10 -w ' %{http_code}' '" + url + "'; true").path("stdout").asString();
  }

  /** The same through a CONNECT tunnel: the CONNECT answer's status, then the GET's ({@code 000}: none). */
  String tunnel(String sandboxId, String url) {
    return exec(sandboxId, "curl -sg -p --noproxy '' -m 10 -o /dev/null -w '%{http_connect} %{http_code}' '" + url + "'; true")
        .path("stdout").asString();
  }

  /** Raw bytes to the proxy; what it answered, in ISO-8859-1. */
  String raw(String sandboxId, String request) {
    return raw(sandboxId, request, 10);
  }

  String raw(String sandboxId, String request, int seconds) {
    String b64 = Base64.getEncoder().encodeToString(request.getBytes(StandardCharsets.ISO_8859_1));
    return exec(sandboxId, "python3 /tmp/raw.py " + b64 + " " + seconds).path("stdout").asString();
  }
}
