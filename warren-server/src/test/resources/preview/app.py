# A small web app for the preview tests, run inside a sandbox with the base image's python3:
# GET /big?n=N streams N bytes (byte k is k % 251), GET /headers answers the request's headers as
# JSON, POST answers the body's length and SHA-256, GET /ws is a WebSocket echo ("echo:" + text),
# GET /conn answers the client's port (which connection asked), anything else answers a greeting and sets the cookie appsid.
import base64, hashlib, json, sys
from http.server import ThreadingHTTPServer, BaseHTTPRequestHandler

BLOCK = bytes(i % 251 for i in range(251 * 256))
# a page whose script tries what a hostile app would: read Warren's dashboard page (its CSRF value) and
# call the API with the dashboard's session; #out says what it got
PROBE = """<!doctype html><html><body><pre id="out">running</pre><script>
(async () => {
  const out = [];
  let csrf = '';
  try {
    const r = await fetch('/', {credentials: 'include'});
    const t = await r.text();
    const m = t.match(/name="warren-csrf" content="([^"]+)"/);
    csrf = m ? m[1] : '';
    out.push('dashboard:' + r.status + (csrf ? ':csrf' : ''));
  } catch (e) { out.push('dashboard:blocked'); }
  try {
    const r = await fetch('/v1/sandboxes', {credentials: 'include', headers: {'X-Warren-CSRF': csrf}});
    out.push('api:' + r.status);
  } catch (e) { out.push('api:blocked'); }
  try { localStorage.setItem('k', 'v'); out.push('storage:ok'); } catch (e) { out.push('storage:blocked'); }
  document.getElementById('out').textContent = out.join(' ');
})();
</script></body></html>"""


class App(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # headers and body go out in separate writes: without this, Nagle and delayed ACKs add 40 ms on a kept-alive connection
    disable_nagle_algorithm = True

    def log_message(self, *args):
        pass

    def reply(self, body, kind="text/plain"):
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Set-Cookie", "appsid=s3cret; Path=/; Domain=localhost")
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        if self.path.startswith("/ws"):
            return self.websocket()
        if self.path.startswith("/big"):
            n = int(self.path.split("=")[1])
            self.send_response(200)
            self.send_header("Content-Length", str(n))
            self.end_headers()
            while n > 0:
                chunk = BLOCK[: min(n, len(BLOCK))]
                self.wfile.write(chunk)
                n -= len(chunk)
            return
        if self.path.startswith("/conn"):
            return self.reply(str(self.client_address[1]).encode())
        if self.path.startswith("/probe.html"):
            return self.reply(PROBE.encode(), "text/html")
        if self.path.startswith("/headers"):
            return self.reply(json.dumps({k.lower(): v for k, v in self.headers.items()}).encode(), "application/json")
        self.reply(("hello from the app at " + self.path).encode())

    def do_POST(self):
        sha, n = hashlib.sha256(), 0
        if "chunked" in self.headers.get("Transfer-Encoding", ""):
            while True:
                size = int(self.rfile.readline().split(b";")[0], 16)
                if size == 0:
                    self.rfile.readline()
                    break
                data = self.rfile.read(size)
                sha.update(data)
                n += len(data)
                self.rfile.readline()
        else:
            left = int(self.headers.get("Content-Length", "0"))
            while left > 0:
                data = self.rfile.read(min(65536, left))
                sha.update(data)
                n += len(data)
                left -= len(data)
        self.reply(json.dumps({"length": n, "sha256": sha.hexdigest()}).encode(), "application/json")

    def websocket(self):
        key = self.headers["Sec-WebSocket-Key"]
        accept = base64.b64encode(hashlib.sha1((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").encode()).digest()).decode()
        self.send_response(101)
        self.send_header("Upgrade", "websocket")
        self.send_header("Connection", "Upgrade")
        self.send_header("Sec-WebSocket-Accept", accept)
        self.end_headers()
        self.wfile.flush()
        self.close_connection = True
        while True:
            head = self.rfile.read(2)
            if len(head) < 2:
                return
            op, n = head[0] & 0x0F, head[1] & 0x7F
            if n == 126:
                n = int.from_bytes(self.rfile.read(2), "big")
            elif n == 127:
                n = int.from_bytes(self.rfile.read(8), "big")
            mask = self.rfile.read(4)
            data = bytes(b ^ mask[i % 4] for i, b in enumerate(self.rfile.read(n)))
            if op == 8:
                self.wfile.write(bytes([0x88, 0]))
                self.wfile.flush()
                return
            if op in (1, 2):
                out = b"echo:" + data
                size = bytes([len(out)]) if len(out) < 126 else bytes([126]) + len(out).to_bytes(2, "big")
                self.wfile.write(bytes([0x80 | op]) + size + out)
                self.wfile.flush()


# argv: port [address to listen on, default every address]
ThreadingHTTPServer((sys.argv[2] if len(sys.argv) > 2 else "0.0.0.0", int(sys.argv[1])), App).serve_forever()
