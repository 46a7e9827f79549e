package dev.warren.net;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * Passes bytes on to a sandbox unless they spell a secret Warren holds for it (the upstream proxy
 * credentials it adds): an upstream or origin that echoes what it received (TRACE-like handlers,
 * misconfigured proxies forwarding {@code Proxy-Authorization}) must not hand them to the sandbox.
 * Bytes that could be the start of the secret are held back until they turn out not to be; when
 * the whole secret has arrived, nothing of it has been written and {@link Leak} is thrown. A
 * streaming Knuth-Morris-Pratt match: one pass, no copy of the stream. Not thread-safe: one writer.
 */
final class SecretFilter extends FilterOutputStream {

  /** The stream carried the secret; the relay closes both sides. */
  static final class Leak extends IOException {
    Leak() {
      super("the answer carried the upstream proxy credentials Warren adds; connection closed");
    }
  }

  /** What a relay direction must not pass to the sandbox: nothing, or the bytes of one credential. */
  record Secret(byte[] bytes) {
    static final Secret NONE = new Secret(new byte[0]);

    /**
     * The credential Warren adds for an upstream proxy: the token of its {@code Proxy-Authorization}
     * (the base64 of user:password). Tokens shorter than 8 bytes are not matched: too likely to
     * occur by chance in an answer.
     */
    static Secret of(Optional<UpstreamProxy> upstream) {
      return upstream.flatMap(UpstreamProxy::authorization)
          .map(a -> a.substring(a.indexOf(' ') + 1).getBytes(StandardCharsets.ISO_8859_1))
          .filter(b -> b.length >= 8)
          .map(Secret::new)
          .orElse(NONE);
    }

    /** {@code pump} writing through a filter for this secret. */
    Relay.Pump guard(Relay.Pump pump) {
      if (bytes.length == 0) {
        return pump;
      }
      return (from, to) -> {
        SecretFilter filter = new SecretFilter(to, bytes);
        pump.run(from, filter);
        filter.finish();
      };
    }
  }

  private final byte[] secret;
  private final int[] fallback;
  private int matched;

  SecretFilter(OutputStream out, byte[] secret) {
    super(out);
    if (secret.length == 0) {
      throw new IllegalArgumentException("empty secret");
    }
    this.secret = secret.clone();
    this.fallback = new int[secret.length];
    for (int i = 1, k = 0; i < secret.length; i++) {
      while (k > 0 && secret[i] != secret[k]) {
        k = fallback[k - 1];
      }
      if (secret[i] == secret[k]) {
        k++;
      }
      fallback[i] = k;
    }
  }

  @Override
  public void write(int b) throws IOException {
    write(new byte[] {(byte) b}, 0, 1);
  }

  @Override
  public void write(byte[] b, int off, int len) throws IOException {
    // out: the held-back prefix followed by b; everything before the final partial match is safe
    byte[] held = java.util.Arrays.copyOf(secret, matched);
    int k = matched;
    for (int i = off; i < off + len; i++) {
      while (k > 0 && b[i] != secret[k]) {
        k = fallback[k - 1];
      }
      if (b[i] == secret[k]) {
        k++;
      }
      if (k == secret.length) {
        throw new Leak();
      }
    }
    long total = held.length + (long) len;
    long safe = total - k;
    int fromHeld = (int) Math.min(held.length, safe);
    out.write(held, 0, fromHeld);
    int fromB = (int) (safe - fromHeld);
    out.write(b, off, fromB);
    matched = k;
  }

  /** Writes what was held back: the stream ended without completing the secret. */
  void finish() throws IOException {
    out.write(secret, 0, matched);
    matched = 0;
    out.flush();
  }

  @Override
  public void close() {
    throw new UnsupportedOperationException("finish() instead: closing would close the socket");
  }
}
