package dev.warren.testing;

import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import dev.warren.host.Syscalls;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A machine outside Warren's host, for servers that sandboxes reach through the egress proxy: a
 * network namespace with a veth to the host, the pair numbered from 198.18.0.0/16 (a /30 each:
 * the host end is {@code .1}, an address of the host that the proxy refuses; the namespace end
 * {@code .2} is {@link #address()}, neither loopback nor a host address nor a Warren subnet).
 * Servers listen inside it: {@link #inside} runs code on a platform thread switched into the
 * namespace, and a socket it creates stays there.
 *
 * <p>Names carry the owner: netns {@code wtout-<pid>-<index>}, veths {@code wto<index>} and
 * {@code wti<index>}; a claim file {@code /run/warren-test-outside/<index>} says which test JVM
 * holds a pair (claims of dead JVMs are cleaned up by the next one). {@link #close()} removes both
 * and is idempotent; a JVM shutdown hook closes whatever a test left open. Thread-safe.
 */
public final class OutsideHost implements AutoCloseable {
  private static final Path CLAIMS = Path.of("/run/warren-test-outside");
  private static final int BLOCKS = 16384; // /30 blocks in 198.18.0.0/16
  private static final Set<OutsideHost> OPEN = ConcurrentHashMap.newKeySet();
  private static final AtomicReference<OutsideHost> SHARED = new AtomicReference<>();

  static {
    Runtime.getRuntime().addShutdownHook(new Thread(() -> List.copyOf(OPEN).forEach(OutsideHost::close), "outside-host-cleanup"));
  }

  private final int index;
  private final String netns;
  private final InetAddress address;
  private final InetAddress hostSide;
  private final AtomicBoolean closed = new AtomicBoolean();

  private OutsideHost(int index) {
    this.index = index;
    this.netns = "wtout-" + ProcessHandle.current().pid() + "-" + index;
    int base = (198 << 24) | (18 << 16) | (index << 2);
    this.hostSide = ipv4(base + 1);
    this.address = ipv4(base + 2);
  }

  /** A new namespace of its own (e.g. to count what reaches it); close it when done. */
  public static OutsideHost create() {
    OutsideHost h = new OutsideHost(claim());
    OPEN.add(h);
    try {
      h.wire();
    } catch (RuntimeException e) {
      h.close();
      throw e;
    }
    return h;
  }

  /** One namespace for the whole test JVM, made on first use and removed when the JVM exits. */
  public static OutsideHost shared() {
    synchronized (SHARED) {
      if (SHARED.get() == null || SHARED.get().closed.get()) {
        SHARED.set(create());
      }
      return SHARED.get();
    }
  }

  /** The namespace's address: where servers made by {@link #inside} are reached. */
  public InetAddress address() {
    return address;
  }

  /** {@link #address()} as text, e.g. {@code 198.18.0.6}. */
  public String host() {
    return address.getHostAddress();
  }

  /** The host's end of the veth: an address of the host itself. */
  public InetAddress hostSide() {
    return hostSide;
  }

  public String netns() {
    return netns;
  }

  /** Runs {@code action} on a platform thread inside the namespace; sockets it creates stay there. */
  public <T> T inside(Callable<T> action) {
    AtomicReference<T> result = new AtomicReference<>();
    AtomicReference<Throwable> failure = new AtomicReference<>();
    Thread t = Thread.ofPlatform().name("outside-" + index).start(() -> {
      int self = Syscalls.open("/proc/thread-self/ns/net", Syscalls.O_RDONLY);
      int target = Syscalls.open("/run/netns/" + netns, Syscalls.O_RDONLY);
      try {
        Syscalls.setns(target, Syscalls.CLONE_NEWNET);
        try {
          result.set(action.call());
        } finally {
          Syscalls.setns(self, Syscalls.CLONE_NEWNET);
        }
      } catch (Throwable e) {
        failure.set(e);
      } finally {
        Syscalls.close(target);
        Syscalls.close(self);
      }
    });
    try {
      if (!t.join(java.time.Duration.ofSeconds(30))) {
        throw new IllegalStateException("code inside " + netns + " still runs after 30 s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
    if (failure.get() != null) {
      throw new IllegalStateException("inside " + netns + ": " + failure.get(), failure.get());
    }
    return result.get();
  }

  /** A started HTTP server on a free port of {@link #address()}. */
  public HttpServer http(HttpHandler handler) {
    return inside(() -> {
      HttpServer server = HttpServer.create(new InetSocketAddress(address, 0), 50);
      server.createContext("/", handler);
      server.start();
      return server;
    });
  }

  /** A listening socket on a free port of {@link #address()}. */
  public ServerSocket serverSocket() {
    return inside(() -> new ServerSocket(0, 50, address));
  }

  /** {@code host:port} of a port here, as an egress allow entry or a CONNECT target. */
  public String target(int port) {
    return host() + ":" + port;
  }

  private void wire() {
    removeLeftovers(index);
    run("ip", "netns", "add", netns);
    run("ip", "link", "add", "wto" + index, "type", "veth", "peer", "name", "wti" + index, "netns", netns);
    run("ip", "addr", "add", hostSide.getHostAddress() + "/30", "dev", "wto" + index);
    run("ip", "link", "set", "wto" + index, "up");
    run("ip", "-n", netns, "addr", "add", address.getHostAddress() + "/30", "dev", "wti" + index);
    run("ip", "-n", netns, "link", "set", "wti" + index, "up");
    run("ip", "-n", netns, "link", "set", "lo", "up");
  }

  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    try {
      runQuietly("ip", "netns", "del", netns);
      runQuietly("ip", "link", "del", "wto" + index);
      Files.deleteIfExists(CLAIMS.resolve(Integer.toString(index)));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      OPEN.remove(this);
    }
  }

  /** Takes a free /30 under a host-wide lock, first removing what dead JVMs left behind. */
  private static int claim() {
    try {
      Files.createDirectories(CLAIMS);
      try (FileChannel lockFile = FileChannel.open(CLAIMS.resolve(".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
          FileLock ignored = lockFile.lock()) {
        long pid = ProcessHandle.current().pid();
        int start = (int) ((pid * 61) % BLOCKS);
        for (int i = 0; i < BLOCKS; i++) {
          int index = (start + i) % BLOCKS;
          Path claim = CLAIMS.resolve(Integer.toString(index));
          if (Files.exists(claim)) {
            if (ownerAlive(claim)) {
              continue;
            }
            removeLeftovers(index);
            Files.delete(claim);
          }
          Files.writeString(claim, pid + "\n");
          return index;
        }
        throw new IllegalStateException("every /30 of 198.18.0.0/16 is claimed in " + CLAIMS);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static boolean ownerAlive(Path claim) throws IOException {
    try {
      long owner = Long.parseLong(Files.readString(claim).strip());
      return ProcessHandle.of(owner).map(ProcessHandle::isAlive).orElse(false);
    } catch (NumberFormatException e) {
      return false;
    }
  }

  /** Netns named for this index by any JVM, and the host-side veth. */
  private static void removeLeftovers(int index) throws UncheckedIOException {
    try (var names = Files.list(Path.of("/run/netns"))) {
      names.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("wtout-") && n.endsWith("-" + index))
          .forEach(n -> runQuietly("ip", "netns", "del", n));
    } catch (java.nio.file.NoSuchFileException e) {
      // no namespace was ever named here
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    if (Files.exists(Path.of("/sys/class/net/wto" + index))) {
      runQuietly("ip", "link", "del", "wto" + index);
    }
  }

  private static void run(String... cmd) {
    String out = exec(cmd);
    if (out != null) {
      throw new IllegalStateException(String.join(" ", cmd) + " failed: " + out);
    }
  }

  private static void runQuietly(String... cmd) {
    exec(cmd);
  }

  /** Runs a tool; null on success, else its output. */
  private static String exec(String... cmd) {
    try {
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes());
      if (!p.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return "timed out";
      }
      return p.exitValue() == 0 ? null : out.strip() + " (exit " + p.exitValue() + ")";
    } catch (IOException e) {
      return e.toString();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "interrupted";
    }
  }

  private static InetAddress ipv4(int v) {
    try {
      return InetAddress.getByAddress(new byte[] {(byte) (v >>> 24), (byte) (v >>> 16), (byte) (v >>> 8), (byte) v});
    } catch (java.net.UnknownHostException e) {
      throw new IllegalStateException(e);
    }
  }
}
