package dev.warren.shell;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warren.testing.TestWarren;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** What a session must keep and how its commands must behave, through the API. */
class SessionSemanticsTest {
  static TestWarren warren;
  static ShellFixture f;

  @BeforeAll
  static void start() {
    warren = TestWarren.start();
    f = new ShellFixture(warren, warren.createSandbox("{}"));
  }

  @AfterAll
  static void stop() {
    if (warren != null) {
      warren.close();
    }
  }

  @Test
  void stateOfTheShellPersistsBetweenCommands() {
    String s = f.session();
    f.run(s, """
        cd /tmp
        export EXPORTED="one two"
        PLAIN=unexported
        greet() { echo "hello $1"; }
        alias ll='echo aliased'
        set -o pipefail
        shopt -s extglob
        """);
    assertThat(f.out(s, "pwd; echo \"$EXPORTED|$PLAIN\"; greet you; ll; shopt -o pipefail | cut -f2; shopt extglob | cut -f2"))
        .isEqualTo("/tmp\none two|unexported\nhello you\naliased\non\non\n");
    // exported reaches child processes, unexported does not
    assertThat(f.out(s, "bash -c 'echo \"[$EXPORTED][$PLAIN]\"'")).isEqualTo("[one two][]\n");
    // descriptors the shell opened stay open, whatever stdin each command was given
    f.run(s, "exec 4>/tmp/fd4 5</etc/hostname; echo first >&4");
    assertThat(f.run(s, Map.of("command", "cat >&4; read -r h <&5; echo \"[$h]\" | wc -l", "stdin", "second\n"))
        .path("stdout").asString()).isEqualTo("1\n");
    assertThat(f.out(s, "echo third >&4; exec 4>&-; cat /tmp/fd4")).isEqualTo("first\nsecond\nthird\n");
  }

  @Test
  void settingTheEnvironmentWorksAnyNumberOfTimesWithAwkwardValues() {
    String s = f.session(Map.of("env", Map.of("FIRST", "1")));
    String awkward = "it's \"quoted\" with spaces,\nnew lines, $HOME and `ticks`, \\back\\slash and ünïcødé ✓";
    for (int i = 0; i < 5; i++) {
      Map<String, Object> vars = new LinkedHashMap<>();
      vars.put("AWKWARD", awkward + i);
      vars.put("COUNT", Integer.toString(i));
      var r = warren.call("PUT", f.base(s) + "/env", TestWarren.json(Map.of("vars", vars)));
      assertThat(r.status()).as(r.toString()).isEqualTo(200);
    }
    assertThat(f.out(s, "printf '%s|%s|%s' \"$AWKWARD\" \"$COUNT\" \"$FIRST\"")).isEqualTo(awkward + "4|4|1");
    Map<String, Object> unset = new LinkedHashMap<>();
    unset.put("COUNT", null);
    assertThat(warren.call("PUT", f.base(s) + "/env", TestWarren.json(Map.of("vars", unset))).status()).isEqualTo(200);
    assertThat(f.out(s, "echo \"[${COUNT-unset}]\"")).isEqualTo("[unset]\n");
  }

  @Test
  void heredocsAndMultiLineScriptsRunAsWritten() {
    String s = f.session();
    String out = f.out(s, """
        name=world
        cat <<EOF
        hello $name
          indented
        EOF
        cat <<'RAW'
        $name stays $literal
        RAW
        for i in 1 2 3; do
          printf '%s,' "$i"
        done
        echo
        """);
    assertThat(out).isEqualTo("hello world\n  indented\n$name stays $literal\n1,2,3,\n");
  }

  @Test
  void stdinIsEndOfFileOrWhatWasSentNeverTheControlChannel() {
    String s = f.session();
    JsonNode eof = f.run(s, "cat; echo \"read returned $?\"; read -r x; echo \"x=[$x] $?\"");
    assertThat(eof.path("stdout").asString()).isEqualTo("read returned 0\nx=[] 1\n");
    assertThat(f.out(s, "echo still alive")).isEqualTo("still alive\n");
    JsonNode given = f.run(s, Map.of("command", "tr a-z A-Z", "stdin", "shout this\nand this"));
    assertThat(given.path("stdout").asString()).isEqualTo("SHOUT THIS\nAND THIS");

    JsonNode open = f.run(s, Map.of("command", "while read -r line; do echo \"got $line\"; done; echo done", "keepStdinOpen", true,
        "async", true));
    String id = open.path("id").asString();
    assertThat(warren.send("POST", f.base(s) + "/commands/" + id + "/stdin", java.net.http.HttpRequest.BodyPublishers.ofString("one\n"),
        Map.of(), warren.token()).status()).isEqualTo(204);
    assertThat(warren.send("POST", f.base(s) + "/commands/" + id + "/stdin?eof=true",
        java.net.http.HttpRequest.BodyPublishers.ofString("two\n"), Map.of(), warren.token()).status()).isEqualTo(204);
    JsonNode done = f.await(s, id, 10);
    assertThat(done.path("state").asString()).isEqualTo("finished");
    assertThat(done.path("stdout").asString()).isEqualTo("got one\ngot two\ndone\n");
    // no stdin for a command submitted without it
    JsonNode plain = f.run(s, "true");
    assertThat(warren.send("POST", f.base(s) + "/commands/" + plain.path("id").asString() + "/stdin",
        java.net.http.HttpRequest.BodyPublishers.ofString("x"), Map.of(), warren.token()).status()).isEqualTo(409);
  }

  @Test
  void exitReportsItsCodeAndTheSessionKeepsItsState() {
    String s = f.session();
    f.run(s, "cd /etc; KEEP=me; kept() { echo kept-fn; }");
    JsonNode exit = f.run(s, "echo leaving; exit 3");
    assertThat(exit.path("exitCode").asInt()).isEqualTo(3);
    assertThat(exit.path("stdout").asString()).isEqualTo("leaving\n");
    assertThat(exit.path("shellRestarted").asBoolean()).isTrue();
    assertThat(f.out(s, "pwd; echo $KEEP; kept")).isEqualTo("/etc\nme\nkept-fn\n");
    JsonNode after = f.run(s, "false");
    assertThat(after.path("exitCode").asInt()).isEqualTo(1);
    assertThat(after.path("shellRestarted").asBoolean()).isFalse();
    JsonNode strict = f.run(s, "set -e; false; echo not-reached");
    assertThat(strict.path("exitCode").asInt()).isEqualTo(1);
    assertThat(strict.path("stdout").asString()).isEmpty();
    assertThat(f.out(s, "set +e; echo $KEEP")).isEqualTo("me\n");
  }

  @Test
  void backgroundProcessesKeepRunningAndTheCommandReturnsAtOnce() {
    String s = f.session();
    long t0 = System.nanoTime();
    JsonNode bg = f.run(s, "nohup sleep 300 >/dev/null 2>&1 & echo $! > /tmp/bg.pid; sleep 200 & echo started");
    assertThat((System.nanoTime() - t0) / 1_000_000).isLessThan(3000);
    assertThat(bg.path("stdout").asString()).isEqualTo("started\n");
    assertThat(bg.path("state").asString()).isEqualTo("finished");
    assertThat(f.out(s, "kill -0 $(cat /tmp/bg.pid) && echo alive; ps -eo args | grep -c '^sleep 200$'")).isEqualTo("alive\n1\n");
  }

  @Test
  void binaryAndInvalidUtf8OutputIsKeptByteForByte() throws Exception {
    String s = f.session();
    JsonNode j = f.run(s, "head -c 300000 /dev/urandom > /tmp/blob; cat /tmp/blob; sha256sum < /tmp/blob >&2");
    String sha = j.path("stderr").asString().split(" ")[0];
    var raw = warren.get(f.base(s) + "/commands/" + j.path("id").asString() + "/logs?stream=stdout");
    assertThat(raw.status()).isEqualTo(200);
    assertThat(raw.body()).hasSize(300000);
    String mine = java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(raw.body()));
    assertThat(mine).isEqualTo(sha);
    // from an offset
    var tail = warren.get(f.base(s) + "/commands/" + j.path("id").asString() + "/logs?stream=stdout&offset=299990");
    assertThat(tail.body()).containsExactly(java.util.Arrays.copyOfRange(raw.body(), 299990, 300000));
    assertThat(tail.raw().headers().firstValue("X-Warren-Next-Offset")).hasValue("300000");
  }

  @Test
  void commandsOfOneSessionRunOneAtATimeInOrderAndSayWhenQueued() {
    String s = f.session();
    JsonNode first = f.submitAsync(s, "sleep 1; echo first >> /tmp/order");
    JsonNode second = f.submitAsync(s, "echo second >> /tmp/order");
    assertThat(first.path("state").asString()).isEqualTo("running");
    assertThat(second.path("state").asString()).isEqualTo("queued");
    assertThat(warren.get(f.base(s) + "/commands/" + second.path("id").asString()).json().path("state").asString()).isEqualTo("queued");
    JsonNode done = f.await(s, second.path("id").asString(), 10);
    assertThat(done.path("state").asString()).isEqualTo("finished");
    assertThat(f.out(s, "cat /tmp/order; rm /tmp/order")).isEqualTo("first\nsecond\n");
    JsonNode list = warren.get(f.base(s) + "/commands").json().path("commands");
    assertThat(list.get(0).path("seq").asLong()).isGreaterThan(list.get(1).path("seq").asLong());
  }

  @Test
  void aSynchronousCallThatWaitsTooLongReturnsTheJobStillRunning() {
    String s = f.session();
    JsonNode r = f.run(s, Map.of("command", "sleep 2; echo late", "waitSeconds", 0.3));
    assertThat(r.path("state").asString()).isEqualTo("running");
    assertThat(r.path("exitCode").isNull()).isTrue();
    JsonNode done = f.await(s, r.path("id").asString(), 10);
    assertThat(done.path("stdout").asString()).isEqualTo("late\n");
  }

  @Test
  void aCommandThatNeverEndsIsStoppedByItsTimeoutWithEverythingItStarted() {
    String s = f.session();
    JsonNode r = f.run(s, Map.of("command", "KEEP=yes; sleep 1000 & sleep 2000; echo never", "timeoutSeconds", 1));
    assertThat(r.path("timedOut").asBoolean()).isTrue();
    assertThat(r.path("stdout").asString()).doesNotContain("never");
    assertThat(f.out(s, "ps -eo args | grep -c '^sleep [12]000$' || true; echo $KEEP")).isEqualTo("0\nyes\n");
    // a loop of builtins is interrupted too, and the shell keeps its state
    JsonNode loop = f.run(s, Map.of("command", "LOOPED=1; while :; do :; done", "timeoutSeconds", 1));
    assertThat(loop.path("timedOut").asBoolean()).isTrue();
    assertThat(f.out(s, "echo $LOOPED $KEEP")).isEqualTo("1 yes\n");
  }

  @Test
  void signalsReachTheCommand() {
    String s = f.session();
    // INT is Ctrl-C: the foreground process and the rest of the script stop
    JsonNode r = f.submitAsync(s, "sleep 100; echo not-reached");
    String id = r.path("id").asString();
    sleep(300);
    JsonNode sig = warren.post(f.base(s) + "/commands/" + id + "/signal", "{\"signal\": \"INT\"}").json();
    assertThat(sig.path("signal").asString()).isEqualTo("INT");
    JsonNode done = f.await(s, id, 10);
    assertThat(done.path("state").asString()).isEqualTo("finished");
    assertThat(done.path("stdout").asString()).doesNotContain("not-reached");
    // TERM reaches every process the command started, background ones included
    JsonNode bg = f.submitAsync(s, "sleep 101 & sleep 102; echo not-reached");
    sleep(300);
    assertThat(warren.post(f.base(s) + "/commands/" + bg.path("id").asString() + "/signal", "{\"signal\": \"SIGTERM\"}").status())
        .isEqualTo(200);
    assertThat(f.await(s, bg.path("id").asString(), 10).path("state").asString()).isEqualTo("finished");
    assertThat(f.out(s, "ps -eo args | grep -c '^sleep 10[12]$' || true")).isEqualTo("0\n");
    var bad = warren.post(f.base(s) + "/commands/" + id + "/signal", "{\"signal\": \"NOPE\"}");
    assertThat(bad.status()).isEqualTo(400);
  }

  @Test
  void deletingASessionEndsItsShellAndItsProcessesUnlessAskedToKeepThem() {
    String gone = f.session();
    f.run(gone, "nohup sleep 501 >/dev/null 2>&1 &");
    String kept = f.session();
    f.run(kept, "nohup sleep 502 >/dev/null 2>&1 &");
    String other = f.session();
    assertThat(warren.delete(f.base(gone)).status()).isEqualTo(204);
    assertThat(warren.call("DELETE", f.base(kept) + "?keepProcesses=true", null).status()).isEqualTo(204);
    assertThat(warren.get(f.base(gone)).status()).isEqualTo(404);
    assertThat(f.out(other, "ps -eo args | grep '^sleep 50[12]$' || true; ls /var/lib/warren/sessions/ | grep -c -e " + gone + " -e " + kept
        + " || true")).isEqualTo("sleep 502\n0\n");
    assertThat(f.out(other, "ps -eo args | grep -c '^/bin/bash /.warren/session.sh " + gone + "' || true")).isEqualTo("0\n");
  }

  static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  static List<String> lines(String s) {
    return s.lines().toList();
  }
}
