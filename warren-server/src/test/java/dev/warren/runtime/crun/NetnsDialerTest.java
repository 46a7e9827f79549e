package dev.warren.runtime.crun;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.warren.runtime.SandboxRuntimeException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The dialer against a real network namespace of its own (made with {@code ip netns}, deleted at
 * the end): its sockets live in that namespace, reach its loopback and nothing of the host's, and
 * its thread is back in the controller's namespace after every one. Prints what a connection costs.
 */
class NetnsDialerTest {
  static final String NAME = "warren-dialtest-" + ProcessHandle.current().pid();
  static final Path NETNS = Path.of("/run/netns", NAME);
  static NetnsDialer dialer;
  static ServerSocketChannel inside;
  static int port;

  @BeforeAll
  static void start() throws Exception {
    ip("netns", "add", NAME);
    ip("-n", NAME, "link", "set", "lo", "up");
    dialer = new NetnsDialer();
    inside = (ServerSocketChannel) dialer.create("the test namespace", NETNS, () -> ServerSocketChannel.open(StandardProtocolFamily.INET),
        Duration.ofSeconds(5));
    inside.bind(new InetSocketAddress("127.0.0.1", 0));
    port = ((InetSocketAddress) inside.getLocalAddress()).getPort();
  }

  @AfterAll
  static void stop() throws Exception {
    if (inside != null) {
      inside.close();
    }
    if (dialer != null) {
      dialer.close();
    }
    ip("netns", "delete", NAME);
  }

  static void ip(String... args) throws Exception {
    List<String> argv = new java.util.ArrayList<>(List.of("ip"));
    argv.addAll(Arrays.asList(args));
    Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
    assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
    String out = new String(p.getInputStream().readAllBytes());
    if (!(args[0].equals("netns") && args[1].equals("delete"))) {
      assertThat(p.exitValue()).as(argv + ": " + out).isZero();
    }
  }

  @Test
  void aConnectionReachesTheNamespacesLoopbackAndNotTheHosts() throws Exception {
    try (SocketChannel c = dialer.connect("the test namespace", NETNS, port, Duration.ofSeconds(5));
        SocketChannel accepted = inside.accept()) {
      c.write(ByteBuffer.wrap("ping".getBytes()));
      ByteBuffer got = ByteBuffer.allocate(4);
      while (got.hasRemaining()) {
        assertThat(accepted.read(got)).isNotNegative();
      }
      assertThat(new String(got.array())).isEqualTo("ping");
      assertThat(c.isBlocking()).isTrue();
    }
    // the same port on the host's loopback is not the namespace's listener
    inside.configureBlocking(false);
    try (SocketChannel host = SocketChannel.open()) {
      host.connect(new InetSocketAddress("127.0.0.1", port));
    } catch (ConnectException expected) {
      // nothing listens there on the host
    } finally {
      assertThat(inside.accept()).isNull();
      inside.configureBlocking(true);
    }
  }

  @Test
  void theDialerThreadIsBackInTheControllersNamespaceAfterEachSocket() throws Exception {
    dialer.connect("the test namespace", NETNS, port, Duration.ofSeconds(5)).close();
    inside.accept().close();
    String home = Files.readSymbolicLink(Path.of("/proc/self/ns/net")).toString();
    String inner = netnsOf(NETNS);
    assertThat(inner).isNotEqualTo(home);
    List<Path> workers;
    try (var tasks = Files.list(Path.of("/proc/self/task"))) {
      workers = tasks.filter(t -> comm(t).startsWith("netns-dialer")).toList();
    }
    assertThat(workers).hasSize(1);
    assertThat(Files.readSymbolicLink(workers.getFirst().resolve("ns/net")).toString()).isEqualTo(home);
  }

  /** {@code net:[inode]} of a pinned namespace, as /proc shows a thread's. */
  static String netnsOf(Path pinned) throws IOException {
    return "net:[" + Files.getAttribute(pinned, "unix:ino") + "]";
  }

  static String comm(Path task) {
    try {
      return Files.readString(task.resolve("comm")).strip();
    } catch (IOException e) {
      return "";
    }
  }

  @Test
  void aMissingNamespaceOrListenerIsAClearFailure() {
    assertThatThrownBy(() -> dialer.connect("sandbox sbx_gone", Path.of("/run/netns", NAME + "-gone"), port, Duration.ofSeconds(2)))
        .isInstanceOf(SandboxRuntimeException.class).hasMessageContaining("sandbox sbx_gone").hasMessageContaining("gone");
    int unused = port == 1 ? 2 : port - 1;
    assertThatThrownBy(() -> dialer.connect("sandbox sbx_quiet", NETNS, unused, Duration.ofSeconds(2)))
        .isInstanceOf(SandboxRuntimeException.class).hasMessageContaining("nothing answers on 127.0.0.1:" + unused + " inside sandbox sbx_quiet");
  }

  @Test
  void aConnectionCostsLittle() throws Exception {
    int n = 2000;
    for (int i = 0; i < 200; i++) {
      dialer.connect("the test namespace", NETNS, port, Duration.ofSeconds(5)).close();
      inside.accept().close();
    }
    long[] dial = new long[n];
    long[] plain = new long[n];
    try (ServerSocketChannel local = ServerSocketChannel.open(StandardProtocolFamily.INET)) {
      local.bind(new InetSocketAddress("127.0.0.1", 0));
      for (int i = 0; i < n; i++) {
        long t0 = System.nanoTime();
        SocketChannel c = dialer.connect("the test namespace", NETNS, port, Duration.ofSeconds(5));
        dial[i] = System.nanoTime() - t0;
        c.close();
        inside.accept().close();
        long t1 = System.nanoTime();
        SocketChannel d = SocketChannel.open(local.getLocalAddress());
        plain[i] = System.nanoTime() - t1;
        d.close();
        local.accept().close();
      }
    }
    Arrays.sort(dial);
    Arrays.sort(plain);
    System.out.printf("netns dial: p50 %d us, p90 %d us, p99 %d us; a plain loopback connect: p50 %d us, p90 %d us, p99 %d us (%d each)%n",
        dial[n / 2] / 1000, dial[n * 9 / 10] / 1000, dial[n * 99 / 100] / 1000, plain[n / 2] / 1000, plain[n * 9 / 10] / 1000,
        plain[n * 99 / 100] / 1000, n);
    assertThat(dial[n / 2]).as("median dial in ns").isLessThan(TimeUnit.MILLISECONDS.toNanos(50));
  }
}
