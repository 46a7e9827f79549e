package dev.warren.browser;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A WebSocket client (RFC 6455) to Chromium's DevTools over a connection the runtime opened inside
 * the browser's sandbox (the JDK's WebSocket cannot be given a socket). Client frames are masked,
 * pings answered, fragmented messages joined up to a size limit; no extensions.
 *
 * <p>Thread-safe. One virtual thread of its own reads and hands whole messages to the listener,
 * in order. Sends are serialised by a lock and block until written (a peer that stops reading
 * blocks them until {@link #abort()}). {@link #close} sends a close frame and ends the connection
 * when the peer answers, or after {@link #CLOSE_WAIT} when it does not (a peer in a deleted
 * sandbox never does). The listener hears of the end exactly once, from whichever thread ended it.
 */
public final class DevtoolsSocket implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(DevtoolsSocket.class);
  static final Duration CLOSE_WAIT = Duration.ofSeconds(1);
  private static final String ACCEPT_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
  private static final int TEXT = 1;
  private static final int BINARY = 2;
  private static final int CLOSE = 8;
  private static final int PING = 9;
  private static final int PONG = 10;
  private static final int CHUNK = 64 * 1024;

  /** Where messages and the end go; called on the reader thread (the end may come from another). */
  public interface Listener {
    void text(String message);

    default void binary(ByteBuffer message) {}

    /** The connection ended: the peer's close code and reason, or 1006 and why. */
    void closed(int code, String reason);
  }

  private final SocketChannel channel;
  private final String where;
  private final InputStream in;
  private final OutputStream out;
  private final int maxMessage;
  private final Listener listener;
  private final ReentrantLock sending = new ReentrantLock();
  private final AtomicBoolean ended = new AtomicBoolean();
  private final CompletableFuture<Void> endedFuture = new CompletableFuture<>();
  private volatile boolean closeSent;

  private DevtoolsSocket(SocketChannel channel, String where, InputStream in, int maxMessage, Listener listener) throws IOException {
    this.channel = channel;
    this.where = where;
    this.in = in;
    this.out = channel.socket().getOutputStream();
    this.maxMessage = maxMessage;
    this.listener = listener;
  }

  /**
   * Opens the WebSocket at {@code path} over {@code channel} (connected, blocking), which it then
   * owns: the handshake must be answered within {@code timeout}, else the channel is closed.
   *
   * @throws IOException when the handshake fails, saying how
   */
  public static DevtoolsSocket open(SocketChannel channel, String where, String path, Duration timeout, int maxMessage, Listener listener)
      throws IOException {
    try {
      byte[] nonce = new byte[16];
      ThreadLocalRandom.current().nextBytes(nonce);
      String key = Base64.getEncoder().encodeToString(nonce);
      // no Origin: Chromium then accepts the upgrade without --remote-allow-origins
      String request = "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
          + "Sec-WebSocket-Key: " + key + "\r\nSec-WebSocket-Version: 13\r\n\r\n";
      channel.socket().getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
      channel.socket().setSoTimeout((int) Math.max(1, timeout.toMillis()));
      InputStream in = new BufferedInputStream(channel.socket().getInputStream(), CHUNK);
      String head;
      try {
        head = DevtoolsHttp.readHead(in);
      } catch (SocketTimeoutException e) {
        throw new IOException("no answer to the WebSocket upgrade of " + path + " within " + timeout.toMillis() + " ms");
      }
      int status = DevtoolsHttp.status(head);
      if (status != 101) {
        throw new IOException("the WebSocket upgrade of " + path + " was answered with HTTP " + status);
      }
      String accept = DevtoolsHttp.header(head, "sec-websocket-accept").orElse("");
      if (!accept.equals(acceptFor(key))) {
        throw new IOException("the WebSocket upgrade of " + path + " was answered with a wrong Sec-WebSocket-Accept");
      }
      channel.socket().setSoTimeout(0);
      DevtoolsSocket s = new DevtoolsSocket(channel, where, in, maxMessage, listener);
      Thread.ofVirtual().name("devtools-read-" + where).start(s::read);
      return s;
    } catch (IOException | RuntimeException e) {
      channel.close();
      throw e;
    }
  }

  static String acceptFor(String key) {
    try {
      byte[] sha1 = MessageDigest.getInstance("SHA-1").digest((key + ACCEPT_GUID).getBytes(StandardCharsets.US_ASCII));
      return Base64.getEncoder().encodeToString(sha1);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK lacks SHA-1", e);
    }
  }

  public void sendText(String message) throws IOException {
    byte[] b = message.getBytes(StandardCharsets.UTF_8);
    send(TEXT, b, 0, b.length);
  }

  public void sendBinary(ByteBuffer message) throws IOException {
    byte[] b = new byte[message.remaining()];
    message.get(b);
    send(BINARY, b, 0, b.length);
  }

  public boolean isOpen() {
    return !ended.get();
  }

  /** Completes when the connection has ended, from either side. */
  public CompletableFuture<Void> endedFuture() {
    return endedFuture;
  }

  @Override
  public void close() {
    close(1000, "done");
  }

  /**
   * Sends a close frame (unless one was sent) and ends the connection once the peer answers it,
   * or after {@link #CLOSE_WAIT}. Does not wait for either.
   */
  public void close(int code, String reason) {
    if (ended.get()) {
      return;
    }
    try {
      if (!sending.tryLock(CLOSE_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
        end(1006, "a send was stuck when Warren closed the connection");
        return;
      }
      try {
        if (!closeSent) {
          closeSent = true;
          byte[] r = reason.getBytes(StandardCharsets.UTF_8);
          ByteBuffer payload = ByteBuffer.allocate(2 + Math.min(r.length, 123)).putShort((short) code).put(r, 0, Math.min(r.length, 123));
          writeFrame(CLOSE, payload.array(), 0, payload.capacity());
        }
      } finally {
        sending.unlock();
      }
    } catch (IOException e) {
      end(1006, "cannot send the close: " + e.getMessage());
      return;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      end(1006, "interrupted while closing");
      return;
    }
    endedFuture.copy().completeOnTimeout(null, CLOSE_WAIT.toMillis(), TimeUnit.MILLISECONDS)
        .thenRun(() -> end(1006, "closed by Warren; the peer did not answer the close within " + CLOSE_WAIT.toMillis() + " ms"));
  }

  /** Ends the connection now, without a close handshake. */
  public void abort() {
    end(1006, "aborted by Warren");
  }

  private void send(int opcode, byte[] payload, int offset, int length) throws IOException {
    sending.lock();
    try {
      if (closeSent || ended.get()) {
        throw new IOException("the DevTools connection of " + where + " is closed");
      }
      try {
        writeFrame(opcode, payload, offset, length);
      } catch (IOException e) {
        end(1006, "cannot send: " + e.getMessage());
        throw e;
      }
    } finally {
      sending.unlock();
    }
  }

  /** One whole, masked frame; the caller holds {@link #sending}. */
  private void writeFrame(int opcode, byte[] payload, int offset, int length) throws IOException {
    byte[] mask = new byte[4];
    ThreadLocalRandom.current().nextBytes(mask);
    ByteBuffer head = ByteBuffer.allocate(14);
    head.put((byte) (0x80 | opcode));
    if (length < 126) {
      head.put((byte) (0x80 | length));
    } else if (length < 65536) {
      head.put((byte) (0x80 | 126)).putShort((short) length);
    } else {
      head.put((byte) (0x80 | 127)).putLong(length);
    }
    head.put(mask);
    byte[] buf = new byte[head.position() + Math.min(length, CHUNK)];
    int filled = head.position();
    System.arraycopy(head.array(), 0, buf, 0, filled);
    for (int done = 0; done < length || filled > 0; ) {
      int n = Math.min(length - done, buf.length - filled);
      for (int i = 0; i < n; i++) {
        buf[filled + i] = (byte) (payload[offset + done + i] ^ mask[(done + i) & 3]);
      }
      out.write(buf, 0, filled + n);
      done += n;
      filled = 0;
    }
    out.flush();
  }

  private void read() {
    ByteArrayOutputStream fragments = null;
    int fragmentsOpcode = 0;
    try {
      while (!ended.get()) {
        int b0 = in.read();
        int b1 = in.read();
        if (b0 < 0 || b1 < 0) {
          throw new EOFException("the connection ended without a close");
        }
        boolean fin = (b0 & 0x80) != 0;
        int opcode = b0 & 0x0f;
        if ((b0 & 0x70) != 0 || (b1 & 0x80) != 0) {
          protocolError(1002, "a reserved bit or a mask on a frame from the server");
          return;
        }
        long length = b1 & 0x7f;
        if (length == 126) {
          length = ((long) readByte() << 8) | readByte();
        } else if (length == 127) {
          length = 0;
          for (int i = 0; i < 8; i++) {
            length = (length << 8) | readByte();
          }
        }
        if (opcode >= CLOSE && (length > 125 || !fin)) {
          protocolError(1002, "a control frame longer than 125 bytes or fragmented");
          return;
        }
        long sofar = fragments == null ? 0 : fragments.size();
        if (length < 0 || sofar + length > maxMessage) {
          protocolError(1009, "a message larger than " + maxMessage + " bytes");
          return;
        }
        byte[] payload = in.readNBytes((int) length);
        if (payload.length < length) {
          throw new EOFException("the connection ended in the middle of a frame");
        }
        switch (opcode) {
          case 0 -> {
            if (fragments == null) {
              protocolError(1002, "a continuation frame without a message");
              return;
            }
            fragments.write(payload);
            if (fin) {
              deliver(fragmentsOpcode, fragments.toByteArray());
              fragments = null;
            }
          }
          case TEXT, BINARY -> {
            if (fragments != null) {
              protocolError(1002, "a new message before the last one ended");
              return;
            }
            if (fin) {
              deliver(opcode, payload);
            } else {
              fragments = new ByteArrayOutputStream();
              fragments.write(payload);
              fragmentsOpcode = opcode;
            }
          }
          case CLOSE -> {
            int code = payload.length >= 2 ? ((payload[0] & 0xff) << 8) | (payload[1] & 0xff) : 1005;
            String reason = payload.length > 2 ? new String(payload, 2, payload.length - 2, StandardCharsets.UTF_8) : "";
            answerClose(payload);
            end(code, reason);
            return;
          }
          case PING -> pong(payload);
          case PONG -> {
            // nothing asked for it
          }
          default -> {
            protocolError(1002, "unknown opcode " + opcode);
            return;
          }
        }
      }
    } catch (IOException e) {
      end(1006, ended.get() ? "closed" : e.getMessage() == null ? e.toString() : e.getMessage());
    } catch (RuntimeException e) {
      log.warn("the listener of the DevTools connection of {} failed; closing it", where, e);
      end(1011, "listener failed: " + e);
    }
  }

  private int readByte() throws IOException {
    int b = in.read();
    if (b < 0) {
      throw new EOFException("the connection ended in the middle of a frame header");
    }
    return b;
  }

  private void deliver(int opcode, byte[] message) {
    if (opcode == TEXT) {
      listener.text(new String(message, StandardCharsets.UTF_8));
    } else {
      listener.binary(ByteBuffer.wrap(message).asReadOnlyBuffer());
    }
  }

  private void pong(byte[] payload) throws IOException {
    sending.lock();
    try {
      if (!closeSent) {
        writeFrame(PONG, payload, 0, payload.length);
      }
    } finally {
      sending.unlock();
    }
  }

  /** The peer closed: answer with the same code unless a close was sent already. */
  private void answerClose(byte[] payload) {
    try {
      if (sending.tryLock(CLOSE_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
        try {
          if (!closeSent) {
            closeSent = true;
            writeFrame(CLOSE, payload, 0, Math.min(payload.length, 2));
          }
        } finally {
          sending.unlock();
        }
      }
    } catch (IOException e) {
      log.debug("answering the close of {}: {}", where, e.toString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void protocolError(int code, String why) {
    close(code, why);
    end(code, "DevTools of " + where + " sent " + why);
  }

  private void end(int code, String reason) {
    if (!ended.compareAndSet(false, true)) {
      return;
    }
    try {
      channel.close();
    } catch (IOException e) {
      log.debug("closing the DevTools connection of {}: {}", where, e.toString());
    }
    endedFuture.complete(null);
    try {
      listener.closed(code, reason);
    } catch (RuntimeException e) {
      log.warn("the listener of the DevTools connection of {} failed at its end", where, e);
    }
  }
}
