package dev.warren.security;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warren.testing.TestWarren;
import dev.warren.testing.TestWarren.Resp;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Exec output an attacker controls (control bytes, binary, a flood) cannot blow up the answer or
 * the controller: each stream goes out as UTF-8 text or base64, whichever is smaller, the two
 * together take at most 8 MiB of the answer, and the cut is said. Sixteen floods at once leave the
 * controller's memory within a bound (see {@link #sixteenFloodsAtOnceKeepTheControllersMemoryBounded}).
 */
class ExecOutputBoundsTest {
  static final int MIB = 1024 * 1024;
  /** The answer's output budget (docs/api.md), and what an answer may add around it. */
  static final int BUDGET = 8 * MIB;
  static final int ENVELOPE = 2048;
  static TestWarren warren;
  static String sandbox;

  @BeforeAll
  static void start() {
    // a heap the old behaviour could fill (16 answers of 201 MB); the bound below is on what is used
    warren = TestWarren.start(Map.of("TEST_CONTROLLER_HEAP", "3g"));
    sandbox = warren.createSandbox("{\"limits\": {\"memoryMb\": 1024}}");
  }

  @AfterAll
  static void stop() {
    if (warren != null) {
      warren.close();
    }
  }

  @Test
  void sixteenMebibytesOfControlBytesComeBackBoundedAsBase64AndSayWhereTheyWereCut() {
    Resp r = exec("head -c 16777216 /dev/zero | tr '\\0' '\\1'");
    assertThat(r.body().length).as("answer bytes").isLessThanOrEqualTo(BUDGET + ENVELOPE);
    JsonNode j = r.json();
    assertThat(j.path("stdoutEncoding").asString()).isEqualTo("base64");
    assertThat(j.path("truncated").asBoolean()).isTrue();
    assertThat(j.path("stdoutTruncated").asBoolean()).isTrue();
    assertThat(j.path("stderrTruncated").asBoolean()).isFalse();
    assertThat(j.path("stdoutBytes").asLong()).isEqualTo(16L * MIB);
    assertThat(j.path("outputHint").asString()).contains("session").contains("offset");
    byte[] got = Base64.getDecoder().decode(j.path("stdout").asString());
    assertThat(got.length).isEqualTo(6 * MIB);
    for (byte b : got) {
      if (b != 1) {
        throw new AssertionError("a byte other than 0x01 in the output: " + b);
      }
    }
  }

  @Test
  void textStaysTextAndBinaryArrivesExactlyAsBase64() {
    JsonNode text = exec("printf 'h\\303\\251llo \"q\" \\\\ tab\\t\\n'; printf 'warn\\n' >&2").json();
    assertThat(text.path("stdoutEncoding").asString()).isEqualTo("utf-8");
    assertThat(text.path("stdout").asString()).isEqualTo("héllo \"q\" \\ tab\t\n");
    assertThat(text.path("stderr").asString()).isEqualTo("warn\n");
    assertThat(text.path("stderrEncoding").asString()).isEqualTo("utf-8");
    assertThat(text.path("truncated").asBoolean()).isFalse();
    assertThat(text.path("stdoutBytes").asLong()).isEqualTo(18);

    JsonNode binary = exec("printf 'A\\377\\376\\000B\\200'").json();
    assertThat(binary.path("stdoutEncoding").asString()).isEqualTo("base64");
    assertThat(Base64.getDecoder().decode(binary.path("stdout").asString())).containsExactly(0x41, 0xff, 0xfe, 0x00, 0x42, 0x80);
    assertThat(binary.path("stdoutBytes").asLong()).isEqualTo(6);
  }

  @Test
  void twoLargeStreamsShareTheBudgetAndASmallOneIsKeptWhole() {
    JsonNode both = exec("head -c 10485760 /dev/zero | tr '\\0' a; head -c 10485760 /dev/zero | tr '\\0' b >&2").json();
    long out = both.path("stdout").asString().length();
    long err = both.path("stderr").asString().length();
    assertThat(out + err).isLessThanOrEqualTo(BUDGET);
    assertThat(out).isEqualTo(BUDGET / 2);
    assertThat(err).isEqualTo(BUDGET / 2);
    assertThat(both.path("stdoutTruncated").asBoolean()).isTrue();
    assertThat(both.path("stderrTruncated").asBoolean()).isTrue();

    JsonNode small = exec("head -c 10485760 /dev/zero | tr '\\0' a; echo small >&2").json();
    assertThat(small.path("stderr").asString()).isEqualTo("small\n");
    assertThat(small.path("stderrTruncated").asBoolean()).isFalse();
    assertThat(small.path("stdout").asString().length()).isEqualTo(BUDGET - "small\\n".length());
    // a cut never splits a character: é is two bytes
    JsonNode utf = exec("head -c 10485760 /dev/zero | tr '\\0' '\\303' | sed 's/\\xc3/\\xc3\\xa9/g' | head -c 10485760").json();
    assertThat(utf.path("stdoutEncoding").asString()).isEqualTo("utf-8");
    assertThat(utf.path("stdout").asString()).matches("é+");
  }

  /**
   * Sixteen 16 MiB floods of control bytes at once. Before, each answer was 201 MB of JSON built in
   * memory, and sixteen took a controller to 6.5 GB. Now an answer holds its raw streams once (at
   * most 8 MiB each) and writes the encoding straight to the socket: sixteen at once need at most
   * 16 × 2 × 8 MiB = 256 MiB of live data; with what the garbage collector lets accumulate
   * between collections the process may grow by up to twice that, so the bound is 512 MiB over
   * the resident size after one warm-up flood.
   */
  @Test
  void sixteenFloodsAtOnceKeepTheControllersMemoryBounded() throws Exception {
    exec("head -c 16777216 /dev/zero | tr '\\0' '\\1'");
    long before = rssKiB(warren.pid());
    AtomicLong peak = new AtomicLong(before);
    AtomicBoolean sampling = new AtomicBoolean(true);
    Thread sampler = Thread.ofVirtual().start(() -> {
      while (sampling.get()) {
        peak.accumulateAndGet(rssKiB(warren.pid()), Math::max);
        try {
          Thread.sleep(20);
        } catch (InterruptedException e) {
          return;
        }
      }
    });
    List<Future<Resp>> answers = new ArrayList<>();
    try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
      for (int i = 0; i < 16; i++) {
        answers.add(pool.submit(() -> exec("head -c 16777216 /dev/zero | tr '\\0' '\\1'")));
      }
      for (Future<Resp> f : answers) {
        Resp r = f.get(10, TimeUnit.MINUTES);
        assertThat(r.status()).as(r.toString().substring(0, Math.min(300, r.toString().length()))).isEqualTo(200);
        assertThat(r.body().length).isLessThanOrEqualTo(BUDGET + ENVELOPE);
      }
    } finally {
      sampling.set(false);
      sampler.join();
    }
    long grewMiB = (peak.get() - before) / 1024;
    System.out.printf("controller RSS: %d MiB after a warm-up flood, peak %d MiB during 16 at once (+%d MiB)%n", before / 1024,
        peak.get() / 1024, grewMiB);
    assertThat(grewMiB).as("RSS growth in MiB during 16 floods at once").isLessThanOrEqualTo(512);
    // nothing else harmed: the controller and the sandbox answer
    assertThat(exec("echo ok").json().path("stdout").asString()).isEqualTo("ok\n");
    assertThat(warren.get("/readyz").status()).isEqualTo(200);
  }

  private static Resp exec(String command) {
    Resp r = warren.post("/v1/sandboxes/" + sandbox + "/exec", TestWarren.json(Map.of("command", command, "timeoutSeconds", 600)));
    assertThat(r.status()).as("%s", r.status() == 200 ? "" : r.text()).isEqualTo(200);
    return r;
  }

  private static long rssKiB(long pid) {
    try {
      for (String l : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"), StandardCharsets.US_ASCII)) {
        if (l.startsWith("VmRSS:")) {
          return Long.parseLong(l.replaceAll("[^0-9]", ""));
        }
      }
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    throw new IllegalStateException("no VmRSS for " + pid);
  }
}
