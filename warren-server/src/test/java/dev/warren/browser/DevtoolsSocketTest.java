package dev.warren.browser;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The DevTools WebSocket client against a peer written frame by frame: the handshake and its
 * check, masked client frames, fragmented and large messages, ping, the close handshake, and a
 * close the peer never answers, which ends the connection after a second.
 */
class DevtoolsSocketTest {
  ServerSocket server;
  Socket peer;
  InputStream peerIn;
  OutputStream peerOut;
  final BlockingQueue<String> texts = new LinkedBlockingQueue<>();
  final CompletableFuture<String> ended = new CompletableFuture<>();

  final DevtoolsSocket.Listener listener = new DevtoolsSocket.Listener() {
    @Override
    public void text(String message) {
      texts.add(message);
    }

    @Override
    public void closed(int code, String reason) {
      ended.complete(code + " " + reason);
    }
  };

  @BeforeEach
  void listen() throws IOException {
    server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
  }

  @AfterEach
  void stop() throws IOException {
    if (peer != null) {
      peer.close();
    }
    server.close();
  }

  /** Opens the client; the peer reads its upgrade and answers with {@code accept}, or the right key when null. */
  DevtoolsSocket open(String acceptOverride, int maxMessage) throws Exception {
    CompletableFuture<String> request = CompletableFuture.supplyAsync(() -> {
      try {
        peer = server.accept();
        peerIn = peer.getInputStream();
        peerOut = peer.getOutputStream();
        String head = DevtoolsHttp.readHead(peerIn);
        String key = DevtoolsHttp.header(head, "sec-websocket-key").orElseThrow();
        String accept = acceptOverride == null ? DevtoolsSocket.acceptFor(key) : acceptOverride;
        peerOut.write(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: " + accept
            + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        return head;
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    });
    SocketChannel ch = SocketChannel.open(new InetSocketAddress(InetAddress.getLoopbackAddress(), server.getLocalPort()));
    try {
      DevtoolsSocket s = DevtoolsSocket.open(ch, "test", "/devtools/browser/x", Duration.ofSeconds(5), maxMessage, listener);
      assertThat(request.get(5, TimeUnit.SECONDS)).startsWith("GET /devtools/browser/x HTTP/1.1\r\n").doesNotContainIgnoringCase("origin:");
      return s;
    } finally {
      request.get(5, TimeUnit.SECONDS);
    }
  }

  /** A frame from the peer (unmasked, as servers send them). */
  void frame(boolean fin, int opcode, byte[] payload) throws IOException {
    ByteArrayOutputStream f = new ByteArrayOutputStream();
    f.write((fin ? 0x80 : 0) | opcode);
    if (payload.length < 126) {
      f.write(payload.length);
    } else if (payload.length < 65536) {
      f.write(126);
      f.writeBytes(ByteBuffer.allocate(2).putShort((short) payload.length).array());
    } else {
      f.write(127);
      f.writeBytes(ByteBuffer.allocate(8).putLong(payload.length).array());
    }
    f.writeBytes(payload);
    peerOut.write(f.toByteArray());
    peerOut.flush();
  }

  /** A frame from the client, unmasked: {opcode, payload...}; fails when it was not masked. */
  byte[] clientFrame() throws IOException {
    DataInputStream in = new DataInputStream(peerIn);
    int b0 = in.readUnsignedByte();
    int b1 = in.readUnsignedByte();
    assertThat(b0 & 0x80).as("FIN").isNotZero();
    assertThat(b1 & 0x80).as("client frames are masked").isNotZero();
    long len = b1 & 0x7f;
    if (len == 126) {
      len = in.readUnsignedShort();
    } else if (len == 127) {
      len = in.readLong();
    }
    byte[] mask = in.readNBytes(4);
    byte[] payload = in.readNBytes((int) len);
    for (int i = 0; i < payload.length; i++) {
      payload[i] ^= mask[i & 3];
    }
    byte[] out = new byte[payload.length + 1];
    out[0] = (byte) (b0 & 0x0f);
    System.arraycopy(payload, 0, out, 1, payload.length);
    return out;
  }

  @Test
  void messagesGoBothWaysMaskedFragmentedAndLarge() throws Exception {
    try (DevtoolsSocket s = open(null, 64 << 20)) {
      String big = "x".repeat(70_000) + "é".repeat(3_000_000);
      // a message larger than the socket buffers: written while the peer reads it
      CompletableFuture<Void> sent = CompletableFuture.runAsync(() -> {
        try {
          s.sendText(big);
        } catch (IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      });
      byte[] got = clientFrame();
      sent.get(10, TimeUnit.SECONDS);
      assertThat(got[0]).isEqualTo((byte) 1);
      assertThat(new String(got, 1, got.length - 1, StandardCharsets.UTF_8)).isEqualTo(big);
      s.sendText("");
      assertThat(clientFrame()).containsExactly(1);

      frame(true, 1, "{\"id\":1}".getBytes(StandardCharsets.UTF_8));
      frame(false, 1, "{\"a\":\"".getBytes(StandardCharsets.UTF_8));
      // a ping between fragments is answered at once with the same payload
      frame(true, 9, "hi".getBytes(StandardCharsets.UTF_8));
      byte[] pong = clientFrame();
      assertThat(pong).containsExactly(10, 'h', 'i');
      frame(false, 0, "é".repeat(2_000_000).getBytes(StandardCharsets.UTF_8));
      frame(true, 0, "\"}".getBytes(StandardCharsets.UTF_8));
      assertThat(texts.poll(5, TimeUnit.SECONDS)).isEqualTo("{\"id\":1}");
      assertThat(texts.poll(5, TimeUnit.SECONDS)).isEqualTo("{\"a\":\"" + "é".repeat(2_000_000) + "\"}");
    }
  }

  @Test
  void aCloseThePeerAnswersEndsTheConnectionAtOnce() throws Exception {
    DevtoolsSocket s = open(null, 1 << 20);
    long t0 = System.nanoTime();
    s.close(1000, "done");
    byte[] close = clientFrame();
    assertThat(close[0]).isEqualTo((byte) 8);
    assertThat(ByteBuffer.wrap(close, 1, 2).getShort()).isEqualTo((short) 1000);
    frame(true, 8, Arrays.copyOfRange(close, 1, 3));
    assertThat(ended.get(5, TimeUnit.SECONDS)).startsWith("1000");
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(DevtoolsSocket.CLOSE_WAIT);
    assertThat(peerIn.read()).as("the client ended the TCP connection").isEqualTo(-1);
    assertThatThrownBy(() -> s.sendText("late")).isInstanceOf(IOException.class);
  }

  @Test
  void aCloseThePeerNeverAnswersIsAbortedAfterASecond() throws Exception {
    DevtoolsSocket s = open(null, 1 << 20);
    long t0 = System.nanoTime();
    s.close();
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).as("close does not wait").isLessThan(Duration.ofMillis(500));
    assertThat(clientFrame()[0]).isEqualTo((byte) 8);
    assertThat(ended.get(5, TimeUnit.SECONDS)).startsWith("1006").contains("did not answer the close");
    long took = (System.nanoTime() - t0) / 1_000_000;
    assertThat(took).isBetween(900L, 3000L);
    peer.setSoTimeout(5000);
    assertThat(peerIn.read()).as("the TCP connection is gone").isEqualTo(-1);
    assertThat(s.isOpen()).isFalse();
  }

  @Test
  void thePeersCloseIsAnsweredAndAWrongHandshakeOrAnOversizedMessageIsRefused() throws Exception {
    DevtoolsSocket s = open(null, 1 << 20);
    frame(true, 8, ByteBuffer.allocate(5).putShort((short) 1001).put("bye".getBytes(StandardCharsets.US_ASCII)).array());
    byte[] answer = clientFrame();
    assertThat(answer[0]).isEqualTo((byte) 8);
    assertThat(ByteBuffer.wrap(answer, 1, 2).getShort()).isEqualTo((short) 1001);
    assertThat(ended.get(5, TimeUnit.SECONDS)).isEqualTo("1001 bye");
    assertThat(s.isOpen()).isFalse();
    peer.close();

    assertThatThrownBy(() -> open("d3Jvbmc=", 1 << 20)).isInstanceOf(IOException.class).hasMessageContaining("Sec-WebSocket-Accept");
    peer.close();

    CompletableFuture<String> endedBefore = ended;
    assertThat(endedBefore).isDone();
    DevtoolsSocketTest other = new DevtoolsSocketTest();
    other.server = server;
    try (DevtoolsSocket small = other.open(null, 1000)) {
      other.frame(true, 1, new byte[1001]);
      assertThat(other.ended.get(5, TimeUnit.SECONDS)).startsWith("1009").contains("larger than 1000 bytes");
      assertThat(small.isOpen()).isFalse();
    } finally {
      other.peer.close();
    }
  }
}
