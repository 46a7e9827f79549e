package dev.warren.build;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.warren.testing.OciArchives;
import dev.warren.testing.TestWarren;
import dev.warren.testing.WarrenFixture;
import java.net.InetSocketAddress;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import tools.jackson.databind.JsonNode;

/**
 * Dockerfile builds through the API on real crun: every supported instruction, the files, env,
 * working directory and user of a sandbox made from the result, the step cache (an unchanged
 * rebuild hits it at every step; a changed RUN rebuilds from there), a failing RUN (its exit code
 * and output, no image), 400s naming the line, a context nothing can be read outside of, and the
 * egress of RUN steps.
 */
class DockerfileBuildTest {
  @RegisterExtension
  static final WarrenFixture fixture = WarrenFixture.plain();

  static byte[] context(String dockerfile, Consumer<OciArchives.Tar> more) {
    return OciArchives.tar(t -> {
      t.file("Dockerfile", dockerfile);
      more.accept(t);
    });
  }

  static TestWarren.Resp build(TestWarren w, String query, byte[] context) {
    return w.send("POST", "/v1/images?" + query, HttpRequest.BodyPublishers.ofByteArray(context), Map.of("Content-Type", "application/x-tar"),
        w.token());
  }

  static String q(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  static List<String> statuses(JsonNode build) {
    List<String> out = new ArrayList<>();
    build.path("steps").forEach(s -> out.add(s.path("status").asString()));
    return out;
  }

  static final String EVERYTHING = """
      # every instruction Warren builds
      ARG BASE=base
      FROM ${BASE} AS app
      ARG GREETING=hello
      SHELL ["/bin/bash", "-c"]
      ENV APP_HOME=/opt/app \\
          MODE=test
      LABEL org.example.team="tools" version=1
      WORKDIR $APP_HOME
      COPY --chown=1234:1234 app/ ./
      ADD notes.txt /opt/notes/
      COPY *.cfg conf/
      # a comment between instructions
      RUN echo "$GREETING from $MODE" > built.txt && rm /etc/issue \\
          && echo 'builder:x:1500:1500::/home/builder:/bin/bash' >> /etc/passwd \\
          && echo 'builder:x:1500:' >> /etc/group && mkdir -p /home/builder && chown 1500:1500 /home/builder
      USER builder
      RUN ["/bin/bash", "-c", "id -u > $HOME/who && echo $HOME >> $HOME/who"]
      CMD ["bash", "-l"]
      ENTRYPOINT ["/usr/bin/env"]
      """;

  static byte[] everythingContext() {
    return context(EVERYTHING, t -> t
        .dir("app/", 0755)
        .file("app/main.sh", "#!/bin/sh\necho main\n".getBytes(), 0755, 0, 0)
        .file("app/secret.txt", "do not ship")
        .file("app/debug.log", "noise")
        .file("notes.txt", "notes\n")
        .file("a.cfg", "a=1\n")
        .file("b.cfg", "b=2\n")
        .file(".dockerignore", "app/secret.txt\n**/*.log\n"));
  }

  @Test
  void aDockerfileWithEveryInstructionBuildsAndItsSandboxesHaveItsFilesEnvWorkdirAndUser() {
    TestWarren w = fixture.server();
    TestWarren.Resp r = build(w, "name=every:1&buildArg=GREETING%3Dhi", everythingContext());
    assertThat(r.status()).as("%s\n%s", r, w.log(60)).isEqualTo(201);
    JsonNode image = r.json();
    assertThat(image.path("name").asString()).isEqualTo("every:1");
    assertThat(image.path("config").path("workingDir").asString()).isEqualTo("/opt/app");
    assertThat(image.path("config").path("user").asString()).isEqualTo("builder");
    assertThat(image.path("config").path("env").path("MODE").asString()).isEqualTo("test");
    assertThat(image.path("config").path("entrypoint").toString()).isEqualTo("[\"/usr/bin/env\"]");
    assertThat(image.path("config").path("cmd").toString()).isEqualTo("[\"bash\",\"-l\"]");
    assertThat(image.path("config").path("labels").path("org.example.team").asString()).isEqualTo("tools");
    assertThat(image.path("config").path("labels").path("version").asString()).isEqualTo("1");
    JsonNode b = image.path("build");
    assertThat(b.path("state").asString()).isEqualTo("succeeded");
    assertThat(b.path("steps")).hasSize(15);
    assertThat(b.path("steps").get(1).path("instruction").asString()).startsWith("FROM ${BASE}");

    String id = w.createSandbox("{\"image\": \"every:1\"}");
    JsonNode e = w.exec(id, "pwd; id -u; echo \"$MODE $APP_HOME\"; cat built.txt; stat -c '%u:%g %a' main.sh; cat /opt/notes/notes.txt conf/a.cfg conf/b.cfg;"
        + " test -e /etc/issue || echo issue-gone; ls -A /opt/app; cat /home/builder/who");
    assertThat(e.path("exitCode").asInt()).as("%s", e).isZero();
    assertThat(e.path("stdout").asString().lines().toList()).containsExactly("/opt/app", "1500", "test /opt/app", "hi from test", "1234:1234 755",
        "notes", "a=1", "b=2", "issue-gone", "built.txt", "conf", "main.sh", "1500", "/home/builder");
    w.delete("/v1/sandboxes/" + id);
    assertThat(w.delete("/v1/images/every:1").status()).isEqualTo(204);
  }

  @Test
  void anUnchangedRebuildHitsTheCacheAndAChangedRunRebuildsFromThere() {
    TestWarren w = fixture.server();
    String dockerfile = """
        FROM base
        RUN echo one > /one
        ENV STAGE=two
        RUN echo %s > /two
        RUN cat /one /two > /both
        """;
    long t0 = System.nanoTime();
    TestWarren.Resp first = build(w, "name=cached", context(dockerfile.formatted("first"), t -> {}));
    long firstMs = (System.nanoTime() - t0) / 1_000_000;
    assertThat(first.status()).as("%s", first).isEqualTo(201);
    t0 = System.nanoTime();
    TestWarren.Resp again = build(w, "name=cached", context(dockerfile.formatted("first"), t -> {}));
    long againMs = (System.nanoTime() - t0) / 1_000_000;
    assertThat(again.status()).as("%s", again).isEqualTo(201);
    assertThat(statuses(again.json().path("build"))).containsOnly("cached");
    assertThat(again.json().path("digest").asString()).isEqualTo(first.json().path("digest").asString());
    assertThat(againMs).as("cached rebuild %d ms, cold build %d ms", againMs, firstMs).isLessThan(firstMs / 2);

    TestWarren.Resp changed = build(w, "name=cached", context(dockerfile.formatted("changed"), t -> {}));
    assertThat(changed.status()).as("%s", changed).isEqualTo(201);
    assertThat(statuses(changed.json().path("build"))).containsExactly("cached", "cached", "cached", "done", "done");
    String id = w.createSandbox("{\"image\": \"cached\"}");
    assertThat(w.exec(id, "cat /both").path("stdout").asString()).isEqualTo("one\nchanged\n");
    System.out.printf("3-RUN build: cold %d ms, cached %d ms%n", firstMs, againMs);
    w.delete("/v1/sandboxes/" + id);
    assertThat(w.delete("/v1/images/cached").status()).isEqualTo(204);
    // pruned, the cache is empty: every step runs again
    TestWarren.Resp pruned = w.post("/v1/images/prune", "{}");
    assertThat(pruned.status()).as("%s", pruned).isEqualTo(200);
    assertThat(pruned.json().path("steps").asInt()).isGreaterThanOrEqualTo(5);
    TestWarren.Resp cold = build(w, "name=cached", context(dockerfile.formatted("first"), t -> {}));
    assertThat(statuses(cold.json().path("build"))).containsOnly("done");
    assertThat(w.delete("/v1/images/cached").status()).isEqualTo(204);
  }

  @Test
  void aFailingRunAnswersItsExitCodeAndOutputAndLeavesNoImage() {
    TestWarren w = fixture.server();
    TestWarren.Resp r = build(w, "name=broken", context("FROM base\nRUN echo ok > /x\nRUN echo about to fail; echo oops >&2; exit 7\nRUN echo never\n",
        t -> {}));
    assertThat(r.status()).as("%s", r).isEqualTo(422);
    JsonNode p = r.json();
    assertThat(p.path("type").asString()).endsWith("/build-failed");
    assertThat(p.path("exitCode").asInt()).isEqualTo(7);
    assertThat(p.path("step").asInt()).isEqualTo(3);
    assertThat(p.path("line").asInt()).isEqualTo(3);
    assertThat(p.path("output").toString()).contains("about to fail", "oops");
    assertThat(w.get("/v1/images/broken").status()).isEqualTo(404);
    JsonNode b = w.get("/v1/images/broken/builds/" + p.path("buildId").asString()).json();
    assertThat(b.path("state").asString()).isEqualTo("failed");
    // FROM base may be cached from another test's build
    assertThat(statuses(b).subList(1, 4)).containsExactly("done", "failed", "pending");
    assertThat(b.path("steps").get(2).path("exitCode").asInt()).isEqualTo(7);
    assertThat(w.get("/v1/sandboxes?label=warren.build=" + p.path("buildId").asString()).json().path("sandboxes")).isEmpty();
  }

  @Test
  void anUnsupportedInstructionIsA400NamingItsLine() {
    TestWarren w = fixture.server();
    TestWarren.Resp r = build(w, "name=bad", context("FROM base\n# fine so far\nRUN true\nEXPOSE 8080\n", t -> {}));
    assertThat(r.status()).as("%s", r).isEqualTo(400);
    assertThat(r.json().path("detail").asString()).contains("line 4", "EXPOSE");
    assertThat(r.json().path("line").asInt()).isEqualTo(4);
    assertThat(build(w, "name=bad", context("FROM base\nCOPY --from=x /a /b\n", t -> {})).json().path("detail").asString())
        .contains("line 2", "--from");
    assertThat(build(w, "name=bad", context("FROM base\nADD https://example.com/x /x\n", t -> {})).status()).isEqualTo(400);
  }

  @Test
  void copyCannotReadOutsideTheContext() {
    TestWarren w = fixture.server();
    TestWarren.Resp up = build(w, "name=escape", context("FROM base\nCOPY ../x /x\n", t -> {}));
    assertThat(up.status()).as("%s", up).isEqualTo(400);
    assertThat(up.json().path("detail").asString()).contains("line 2", "outside the build context");
    TestWarren.Resp link = build(w, "name=escape", context("FROM base\nCOPY passwd /stolen\n", t -> t.symlink("passwd", "/etc/passwd")));
    assertThat(link.status()).as("%s", link).isEqualTo(400);
    assertThat(link.json().path("detail").asString()).contains("line 2", "/etc/passwd");
    TestWarren.Resp relative = build(w, "name=escape", context("FROM base\nCOPY sub/up /stolen\n", t -> t.dir("sub/", 0755)
        .symlink("sub/up", "../../../../etc/shadow")));
    assertThat(relative.status()).as("%s", relative).isEqualTo(400);
    assertThat(w.get("/v1/images/escape").status()).isEqualTo(404);
  }

  @Test
  void aRunCannotReachTheHostAndReachesOnlyWhatTheBuildAllows() throws Exception {
    TestWarren w = fixture.server();
    AtomicInteger hits = new AtomicInteger();
    HttpServer host = HttpServer.create(new InetSocketAddress("0.0.0.0", 0), 0);
    host.createContext("/", x -> {
      hits.incrementAndGet();
      x.sendResponseHeaders(200, 6);
      x.getResponseBody().write("secret".getBytes());
      x.close();
    });
    host.start();
    try {
      int port = host.getAddress().getPort();
      String probe = """
          FROM base
          SHELL ["/bin/bash", "-c"]
          RUN p=${http_proxy#http://}; gw=${p%%:*}; \\
              timeout 3 bash -c "exec 3<>/dev/tcp/$gw/%d && echo direct-connected" 2>&1 | head -1; \\
              ask() { timeout 10 bash -c "exec 4<>/dev/tcp/$gw/${p##*:}; printf 'GET http://$1/ HTTP/1.1\\r\\nHost: $1\\r\\nConnection: close\\r\\n\\r\\n' >&4; head -1 <&4"; }; \\
              echo "loopback: $(ask 127.0.0.1:%d)"; echo "listed: $(ask allowed.invalid)"; exit 3
          """.formatted(port, port);
      TestWarren.Resp denied = build(w, "name=egress", context(probe, t -> {}));
      assertThat(denied.status()).as("%s", denied).isEqualTo(422);
      String out = denied.json().path("output").toString();
      assertThat(out).doesNotContain("direct-connected").doesNotContain("secret").contains("loopback: HTTP/1.1 403");
      assertThat(out).as("not listed: refused by the proxy").contains("listed: HTTP/1.1 403");
      TestWarren.Resp allowed = build(w, "name=egress&allow=allowed.invalid", context(probe, t -> {}));
      String allowedOut = allowed.json().path("output").toString();
      assertThat(allowedOut).contains("loopback: HTTP/1.1 403").doesNotContain("listed: HTTP/1.1 403").contains("listed: HTTP/1.1 5");
      assertThat(hits.get()).isZero();
    } finally {
      host.stop(0);
    }
  }

  @Test
  void anAsyncBuildReportsItsStepsAndStreamsItsLog() throws Exception {
    TestWarren w = fixture.server();
    TestWarren.Resp started = build(w, "name=streamed:2&async=true", context("FROM base\nRUN echo line-one; echo line-two\nENV X=1\n", t -> {}));
    assertThat(started.status()).as("%s", started).isEqualTo(202);
    String id = started.json().path("id").asString();
    assertThat(started.raw().headers().firstValue("Location")).contains("/v1/images/streamed:2/builds/" + id);
    TestWarren.Resp log = w.get("/v1/images/streamed:2/builds/" + id + "/logs?follow=true");
    assertThat(log.status()).isEqualTo(200);
    String sse = log.text();
    assertThat(sse).contains("event: step", "event: output", "line-one", "line-two", "event: done", "\"succeeded\"");
    JsonNode b = w.get("/v1/images/streamed:2/builds/" + id).json();
    assertThat(b.path("state").asString()).isEqualTo("succeeded");
    assertThat(b.path("steps").get(1).path("durationMs").asLong()).isPositive();
    assertThat(w.get("/v1/images/streamed:2/builds/bld_nope").status()).isEqualTo(404);
    w.delete("/v1/images/streamed:2");
  }

  @Test
  void theSdkAndTheCliBuildADirectoryAndReportEachStep(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
    TestWarren w = fixture.server();
    java.nio.file.Files.writeString(dir.resolve("Dockerfile"), "FROM base\nARG WHO=nobody\nCOPY hello.txt /srv/\nRUN echo \"hi $WHO\" >> /srv/hello.txt\n");
    java.nio.file.Files.writeString(dir.resolve("hello.txt"), "hello\n");
    List<dev.warren.client.ImageBuild.Event> events = new java.util.concurrent.CopyOnWriteArrayList<>();
    try (dev.warren.client.Warren sdk = w.sdk()) {
      dev.warren.client.ImageBuild b = sdk.images().build("sdk/built:1", dir,
          dev.warren.client.ImageBuildOptions.DEFAULTS.withBuildArgs(Map.of("WHO", "sdk")), events::add);
      assertThat(b.succeeded()).as("%s", b).isTrue();
      assertThat(b.steps()).extracting(dev.warren.client.ImageBuild.Step::instruction).contains("RUN echo \"hi $WHO\" >> /srv/hello.txt");
      assertThat(events).anyMatch(e -> e.step().map(s -> s.number() == 4 && s.status().equals("done")).orElse(false));
      assertThat(sdk.images().get("sdk/built:1")).map(dev.warren.client.ImageInfo::digest).contains(b.digest().orElseThrow());
      assertThat(sdk.images().build("sdk/built:1", b.id())).map(dev.warren.client.ImageBuild::state).contains("succeeded");
    }
    String id = w.createSandbox("{\"image\": \"sdk/built:1\"}");
    assertThat(w.exec(id, "cat /srv/hello.txt").path("stdout").asString()).isEqualTo("hello\nhi sdk\n");
    w.delete("/v1/sandboxes/" + id);

    java.nio.file.Files.writeString(dir.resolve("other.Dockerfile"), "FROM sdk/built:1\nRUN echo step-output-line && exit 4\n");
    dev.warren.testing.WarrenCli.Result failed = dev.warren.testing.WarrenCli.run(w.env(), "image", "build", "-f",
        dir.resolve("other.Dockerfile").toString(), "cli/failed", dir.toString());
    assertThat(failed.code()).as("%s", failed).isEqualTo(1);
    assertThat(failed.output()).contains("Step 1 : FROM sdk/built:1", "Step 2 : RUN", "step-output-line", "failed with exit code 4");
    dev.warren.testing.WarrenCli.Result built = dev.warren.testing.WarrenCli.run(w.env(), "image", "build", "--build-arg", "WHO=cli", "cli/built",
        dir.toString());
    assertThat(built.code()).as("%s", built).isZero();
    assertThat(built.output()).contains("Step 4 : RUN", "---> cached", "---> done in", "built cli/built");
    assertThat(w.delete("/v1/images/cli/built").status()).isEqualTo(204);
    assertThat(w.delete("/v1/images/sdk/built:1").status()).isEqualTo(204);
  }

  @Test
  void aBuiltImageExportsAndImportsAgainAsTheSameImage(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
    TestWarren w = fixture.server();
    TestWarren.Resp r = build(w, "name=exported", context("FROM base\nRUN rm /etc/issue && mkdir -p /data && echo x > /data/x\nWORKDIR /data\n", t -> {}));
    assertThat(r.status()).as("%s", r).isEqualTo(201);
    java.nio.file.Path file = dir.resolve("exported.tar");
    try (dev.warren.client.Warren sdk = w.sdk()) {
      sdk.images().export("exported", file);
    }
    TestWarren.Resp again = w.send("POST", "/v1/images/import?name=reimported", HttpRequest.BodyPublishers.ofFile(file),
        Map.of("Content-Type", "application/x-tar"), w.token());
    assertThat(again.status()).as("%s", again).isEqualTo(201);
    assertThat(again.json().path("digest").asString()).isEqualTo(r.json().path("digest").asString());
    String id = w.createSandbox("{\"image\": \"reimported\"}");
    assertThat(w.exec(id, "pwd; cat x; test -e /etc/issue || echo gone").path("stdout").asString()).isEqualTo("/data\nx\ngone\n");
    w.delete("/v1/sandboxes/" + id);
    w.delete("/v1/images/reimported");
    w.delete("/v1/images/exported");
  }

  @Test
  void aControllerKilledDuringABuildLeavesNoImageAndTheBuildFailed() throws Exception {
    TestWarren w = fixture.server();
    TestWarren.Resp started = build(w, "name=killed&async=true", context("FROM base\nRUN touch /started; sleep 120\nENV AFTER=1\n", t -> {}));
    assertThat(started.status()).as("%s", started).isEqualTo(202);
    String id = started.json().path("id").asString();
    long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(120);
    while (!w.get("/v1/sandboxes?label=warren.build=" + id).json().path("sandboxes").toString().contains("running")) {
      assertThat(System.nanoTime()).as("the RUN's sandbox runs").isLessThan(deadline);
      Thread.sleep(100);
    }
    w.kill9AndRestart();
    JsonNode b = w.get("/v1/images/killed/builds/" + id).json();
    assertThat(b.path("state").asString()).as("%s", b).isEqualTo("failed");
    assertThat(b.path("error").asString()).contains("controller stopped");
    assertThat(w.get("/v1/images/killed").status()).isEqualTo(404);
    assertThat(w.get("/v1/sandboxes?label=warren.build=" + id).json().path("sandboxes")).isEmpty();
    assertThat(java.nio.file.Files.list(w.dataDir().resolve("user-images/tmp")).toList()).isEmpty();
    // the restart left the modes of the images' files alone (the data directory's repair strips group and others):
    // a program of the cached FROM base step still runs as a user other than root
    TestWarren.Resp asNobody = build(w, "name=nobody", context("FROM base\nUSER nobody\nRUN [\"/bin/bash\", \"-c\", \"id -u\"]\n", t -> {}));
    assertThat(asNobody.status()).as("%s", asNobody).isEqualTo(201);
    assertThat(asNobody.json().path("build").path("steps").get(0).path("status").asString()).isEqualTo("cached");
    w.delete("/v1/images/nobody");
  }
}
