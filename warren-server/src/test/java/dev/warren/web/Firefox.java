package dev.warren.web;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The system's Firefox ESR, headless, driven over WebDriver BiDi (which it speaks natively; no
 * geckodriver): a fresh profile in a temp directory, the BiDi WebSocket, commands with ids and
 * timeouts, and the events it sends. Playwright cannot drive it (Playwright needs its own patched
 * Firefox), hence this small client.
 *
 * <p>{@link #command} may be called from any thread. {@link #close()} ends the browser (gracefully,
 * then by killing exactly the processes it started) and deletes the profile; it is idempotent.
 */
final class Firefox implements AutoCloseable {
  static final Path BINARY = Path.of("/usr/bin/firefox-esr");
  static final JsonMapper JSON = JsonMapper.builder().build();
  private static final Pattern LISTENING = Pattern.compile("WebDriver BiDi listening on (ws://\\S+)");
  private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
  private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(30);
  private static final int KEPT_OUTPUT_LINES = 200;
  private static final int KEPT_EVENTS = 5000;
  /** Prefs for a machine without a route out, copied into the profile as user.js. */
  private static final String USER_JS = "firefox-user.js";

  private final Path dir;
  private final Process process;
  private final List<ProcessHandle> started = new ArrayList<>();
  private final ArrayDeque<String> output = new ArrayDeque<>();
  private final CompletableFuture<String> listening = new CompletableFuture<>();
  private final AtomicLong ids = new AtomicLong();
  private final Map<Long, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();
  private final ReentrantLock lock = new ReentrantLock();
  private final ReentrantLock sending = new ReentrantLock();
  private final Condition newEvent = lock.newCondition();
  private final ArrayDeque<JsonNode> events = new ArrayDeque<>();
  private final HttpClient http = HttpClient.newHttpClient();
  private volatile WebSocket ws;
  private volatile String closedBecause;
  private boolean closed;

  private Firefox(Path dir, Process process) {
    this.dir = dir;
    this.process = process;
  }

  /** Starts Firefox and opens a BiDi session; fails (never skips) when firefox-esr is not installed. */
  static Firefox launch() {
    if (!Files.isExecutable(BINARY)) {
      throw new IllegalStateException(BINARY + " is not installed: the dashboard tests need Firefox ESR as well as Chromium;"
          + " run ./warren test (it installs firefox-esr), or apt-get install --no-install-recommends firefox-esr");
    }
    Path dir = null;
    Process process;
    try {
      dir = Files.createTempDirectory(Path.of("/tmp"), "warren-firefox-");
      Path profile = Files.createDirectory(dir.resolve("profile"));
      Path home = Files.createDirectory(dir.resolve("home"));
      try (InputStream prefs = Firefox.class.getResourceAsStream(USER_JS)) {
        Files.copy(Objects.requireNonNull(prefs, USER_JS + " is missing from the test resources"), profile.resolve("user.js"));
      }
      ProcessBuilder pb = new ProcessBuilder(List.of(BINARY.toString(), "--headless", "--no-remote", "--profile", profile.toString(),
          "--remote-debugging-port=0", "about:blank")).redirectErrorStream(true);
      pb.environment().put("HOME", home.toString());
      pb.environment().put("XDG_CACHE_HOME", home.resolve(".cache").toString());
      pb.environment().put("MOZ_CRASHREPORTER_DISABLE", "1");
      pb.environment().put("MOZ_DISABLE_AUTO_SAFE_MODE", "1");
      pb.environment().remove("DISPLAY");
      process = pb.start();
    } catch (IOException e) {
      UncheckedIOException failed = new UncheckedIOException("cannot start " + BINARY, e);
      if (dir != null) {
        try {
          deleteTree(dir);
        } catch (UncheckedIOException suppressed) {
          failed.addSuppressed(suppressed);
        }
      }
      throw failed;
    }
    Firefox ff = new Firefox(dir, process);
    try {
      ff.connect();
      return ff;
    } catch (RuntimeException e) {
      try {
        ff.close();
      } catch (RuntimeException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
  }

  private void connect() {
    Thread.ofVirtual().name("firefox-output-" + process.pid()).start(() -> readOutput(process.getInputStream()));
    String url;
    try {
      url = listening.get(START_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      throw new IllegalStateException("Firefox (pid " + process.pid() + ") did not say 'WebDriver BiDi listening on ws://…' within "
          + START_TIMEOUT.toSeconds() + " s; its output:\n" + output(), e);
    } catch (ExecutionException e) {
      throw new IllegalStateException(e.getCause().getMessage() + "; its output:\n" + output(), e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for Firefox to start", e);
    }
    rememberProcesses();
    try {
      ws = http.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(10))
          .buildAsync(URI.create(url + "/session"), new Listener()).get(20, TimeUnit.SECONDS);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("cannot open the WebDriver BiDi WebSocket " + url + "/session: " + e + "; Firefox's output:\n" + output(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while connecting to Firefox", e);
    }
    command("session.new", Map.of("capabilities", Map.of()));
  }

  private void readOutput(InputStream in) {
    try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
      String line;
      while ((line = r.readLine()) != null) {
        Matcher m = LISTENING.matcher(line);
        if (m.find()) {
          listening.complete(m.group(1));
        }
        synchronized (output) {
          output.addLast(line);
          if (output.size() > KEPT_OUTPUT_LINES) {
            output.removeFirst();
          }
        }
      }
    } catch (IOException e) {
      // the process ended; the exit below says how
    }
    listening.completeExceptionally(new IllegalStateException("Firefox (pid " + process.pid() + ") exited"
        + (process.isAlive() ? "" : " with code " + process.exitValue()) + " before listening for WebDriver BiDi"));
  }

  /** Firefox's main process and the processes it started so far (content processes etc.): what close() ends. */
  private void rememberProcesses() {
    lock.lock();
    try {
      started.add(process.toHandle());
      process.descendants().filter(p -> !started.contains(p)).forEach(started::add);
    } finally {
      lock.unlock();
    }
  }

  /** The last lines Firefox printed (stdout and stderr), for failure messages. */
  String output() {
    synchronized (output) {
      return String.join("\n", output);
    }
  }

  /** Sends a command and returns its result; a BiDi error or no answer within 30 s is an exception naming both. */
  JsonNode command(String method, Object params) {
    return command(method, params, COMMAND_TIMEOUT);
  }

  JsonNode command(String method, Object params, Duration timeout) {
    WebSocket socket = ws;
    if (socket == null || closedBecause != null) {
      throw new IllegalStateException("Firefox's BiDi connection is closed (" + closedBecause + "); cannot send " + method);
    }
    long id = ids.incrementAndGet();
    ObjectNode msg = JSON.createObjectNode();
    msg.put("id", id);
    msg.put("method", method);
    msg.set("params", JSON.valueToTree(params));
    CompletableFuture<JsonNode> answer = new CompletableFuture<>();
    pending.put(id, answer);
    try {
      sending.lock();
      try {
        // one text message at a time: the JDK WebSocket refuses a send while another is outstanding
        socket.sendText(msg.toString(), true).get(10, TimeUnit.SECONDS);
      } finally {
        sending.unlock();
      }
      JsonNode r = answer.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      if (r.path("type").asString().equals("error")) {
        throw new IllegalStateException("Firefox answered " + method + " " + abbreviate(msg.path("params").toString()) + " with "
            + r.path("error").asString() + ": " + r.path("message").asString());
      }
      return r.path("result");
    } catch (TimeoutException e) {
      throw new IllegalStateException("Firefox did not answer " + method + " " + abbreviate(msg.path("params").toString()) + " within "
          + timeout.toMillis() + " ms", e);
    } catch (ExecutionException e) {
      throw new IllegalStateException("Firefox's BiDi connection failed during " + method + ": " + e.getCause().getMessage(), e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted during " + method, e);
    } finally {
      pending.remove(id);
    }
  }

  /**
   * Waits for an event named {@code method} whose params match, among those received so far and
   * those to come; removes it, so each event satisfies one wait.
   */
  JsonNode awaitEvent(String method, Predicate<JsonNode> match, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    lock.lock();
    try {
      while (true) {
        for (var it = events.iterator(); it.hasNext(); ) {
          JsonNode e = it.next();
          if (e.path("method").asString().equals(method) && match.test(e.path("params"))) {
            it.remove();
            return e.path("params");
          }
        }
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          throw new IllegalStateException("no " + method + " event matched within " + timeout.toMillis() + " ms");
        }
        newEvent.awaitNanos(left);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for " + method, e);
    } finally {
      lock.unlock();
    }
  }

  /** Removes and returns the events received so far whose name starts with {@code prefix}. */
  List<JsonNode> drainEvents(String prefix) {
    lock.lock();
    try {
      List<JsonNode> out = new ArrayList<>();
      for (var it = events.iterator(); it.hasNext(); ) {
        JsonNode e = it.next();
        if (e.path("method").asString().startsWith(prefix)) {
          out.add(e);
          it.remove();
        }
      }
      return out;
    } finally {
      lock.unlock();
    }
  }

  private void received(String text) {
    JsonNode m = JSON.readTree(text);
    if (m.has("id") && m.path("id").isNumber()) {
      CompletableFuture<JsonNode> f = pending.get(m.path("id").asLong());
      if (f != null) {
        f.complete(m);
      }
      return;
    }
    if (m.path("type").asString().equals("event")) {
      lock.lock();
      try {
        events.addLast(m);
        if (events.size() > KEPT_EVENTS) {
          events.removeFirst();
        }
        newEvent.signalAll();
      } finally {
        lock.unlock();
      }
    }
  }

  private void connectionEnded(String why) {
    closedBecause = why;
    IllegalStateException e = new IllegalStateException("the BiDi connection ended: " + why);
    pending.values().forEach(f -> f.completeExceptionally(e));
  }

  private final class Listener implements WebSocket.Listener {
    private final StringBuilder text = new StringBuilder();

    @Override
    public CompletionStage<?> onText(WebSocket socket, CharSequence data, boolean last) {
      text.append(data);
      if (last) {
        String message = text.toString();
        text.setLength(0);
        try {
          received(message);
        } catch (RuntimeException e) {
          System.err.println("cannot read a BiDi message from Firefox: " + e + ": " + abbreviate(message));
        }
      }
      socket.request(1);
      return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket socket, int status, String reason) {
      connectionEnded("closed by Firefox with " + status + (reason.isEmpty() ? "" : " " + reason));
      return null;
    }

    @Override
    public void onError(WebSocket socket, Throwable error) {
      connectionEnded(error.toString());
    }
  }

  private static String abbreviate(String s) {
    return s.length() <= 300 ? s : s.substring(0, 300) + "…";
  }

  /**
   * Asks Firefox to close, then kills whatever is left of the processes it started (the main
   * process and its descendants, as seen now and at start-up), and deletes the profile.
   */
  @Override
  public void close() {
    lock.lock();
    try {
      if (closed) {
        return;
      }
      closed = true;
    } finally {
      lock.unlock();
    }
    RuntimeException failure = null;
    try {
      if (process.isAlive()) {
        rememberProcesses();
      }
      if (ws != null && closedBecause == null && process.isAlive()) {
        try {
          command("browser.close", Map.of(), Duration.ofSeconds(10));
        } catch (RuntimeException e) {
          // the connection may end before the answer arrives; the process check below decides
        }
      }
      if (ws != null) {
        ws.abort();
      }
      http.shutdownNow();
      try {
        process.waitFor(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      List<ProcessHandle> all = new ArrayList<>(started);
      all.addAll(process.descendants().toList());
      for (ProcessHandle p : all) {
        p.destroyForcibly();
      }
      for (ProcessHandle p : all) {
        try {
          p.onExit().get(10, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
          failure = new IllegalStateException("Firefox's process " + p.pid() + " did not end within 10 s of SIGKILL", e);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    } finally {
      try {
        deleteTree(dir);
      } catch (UncheckedIOException e) {
        if (failure == null) {
          failure = e;
        } else {
          failure.addSuppressed(e);
        }
      }
    }
    if (failure != null) {
      throw failure;
    }
  }

  private static void deleteTree(Path root) {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> all = Files.walk(root)) {
      for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete Firefox's profile " + root, e);
    }
  }
}
