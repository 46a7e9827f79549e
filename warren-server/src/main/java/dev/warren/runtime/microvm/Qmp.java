package dev.warren.runtime.microvm;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * One short QMP conversation with a VM's QEMU over its socket: the greeting, capabilities, one
 * command, its answer (events on the way are skipped). Every read is bounded by a timeout. Not
 * thread-safe; made, used and closed by one caller.
 */
final class Qmp implements AutoCloseable {
  private static final JsonMapper JSON = JsonMapper.builder().build();

  private final SocketChannel channel;
  private final BufferedReader in;
  private Thread watchdog;

  private Qmp(SocketChannel channel) throws IOException {
    this.channel = channel;
    this.in = new BufferedReader(new InputStreamReader(Channels.newInputStream(channel), StandardCharsets.UTF_8));
  }

  /** Connects and negotiates capabilities; the socket's read timeout is {@code timeout}. */
  static Qmp connect(Path socket, Duration timeout) throws IOException {
    SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
    try {
      ch.connect(UnixDomainSocketAddress.of(socket));
      Qmp qmp = new Qmp(ch);
      qmp.watchdog(timeout);
      JsonNode greeting = qmp.readAnswer(true);
      if (!greeting.has("QMP")) {
        throw new IOException("no QMP greeting on " + socket + ": " + greeting);
      }
      qmp.execute("qmp_capabilities");
      return qmp;
    } catch (IOException | RuntimeException e) {
      ch.close();
      throw e;
    }
  }

  /** Runs {@code command} without arguments; its {@code return} value. */
  JsonNode execute(String command) throws IOException {
    channel.write(java.nio.ByteBuffer.wrap(("{\"execute\":\"" + command + "\"}\n").getBytes(StandardCharsets.UTF_8)));
    JsonNode answer = readAnswer(false);
    if (answer.has("error")) {
      throw new IOException("QMP " + command + " failed: " + answer.path("error").path("desc").asString());
    }
    return answer.path("return");
  }

  private JsonNode readAnswer(boolean greeting) throws IOException {
    while (true) {
      String line = in.readLine();
      if (line == null) {
        throw new IOException("QEMU closed its QMP socket");
      }
      JsonNode n = JSON.readTree(line);
      if (greeting || !n.has("event")) {
        return n;
      }
    }
  }

  /** Unix socket channels have no read timeout: a virtual thread closes the channel when it is over. */
  private void watchdog(Duration timeout) {
    watchdog = Thread.ofVirtual().name("qmp-timeout").start(() -> {
      try {
        Thread.sleep(timeout);
        channel.close();
      } catch (InterruptedException | IOException e) {
        // closed by its owner first, or interrupted when the owner is done: nothing to do
      }
    });
  }

  @Override
  public void close() {
    if (watchdog != null) {
      watchdog.interrupt();
    }
    try {
      channel.close();
    } catch (IOException e) {
      // nothing of the conversation is left to lose
    }
  }
}
