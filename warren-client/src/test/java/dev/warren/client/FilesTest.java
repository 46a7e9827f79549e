package dev.warren.client;

import static dev.warren.client.FakeServer.empty;
import static dev.warren.client.FakeServer.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class FilesTest {

  private final FakeServer server = new FakeServer();
  private final Warren warren = server.client();
  private final SandboxFiles files = warren.sandboxes().attach("sbx_1").files();

  @AfterEach
  void stop() {
    warren.close();
    server.close();
  }

  @ParameterizedTest
  @ValueSource(strings = {"/workspace/a b.txt", "/tmp/ä/日本語.txt", "/x/a&b=c", "/x/#1", "/x/50%+1?", "/x/😀"})
  void pathsAreEncodedSoTheServerReadsThemBack(String path) {
    server.otherwise(r -> empty(204));
    files.write(path, new byte[] {1});

    String query = server.requests().getFirst().rawQuery();
    assertThat(query).startsWith("path=").doesNotContain(" ", "#", "&b", "+");
    assertThat(URI.create("http://h/?" + query).getRawFragment()).isNull();
    assertThat(URLDecoder.decode(query.substring("path=".length()), StandardCharsets.UTF_8)).isEqualTo(path);
  }

  @Test
  void encodingKeepsSlashesAndEscapesTheRest() {
    assertThat(Urls.queryValue("/a b/c&d#e+f=g/é~._-")).isEqualTo("/a%20b/c%26d%23e%2Bf%3Dg/%C3%A9~._-");
  }

  @Test
  void writeSendsRawBytesAndOptionalMode() {
    server.otherwise(r -> empty(204));
    byte[] content = {0, 1, 2, (byte) 0xff};
    files.write("/workspace/a.bin", content);
    files.write("/workspace/run.sh", "#!/bin/sh\n".getBytes(StandardCharsets.UTF_8), 0755);

    var plain = server.requests().get(0);
    assertThat(plain.method()).isEqualTo("PUT");
    assertThat(plain.path()).isEqualTo("/v1/sandboxes/sbx_1/files");
    assertThat(plain.header("Content-Type")).isEqualTo("application/octet-stream");
    assertThat(plain.body()).isEqualTo(content);
    assertThat(server.requests().get(1).rawQuery()).isEqualTo("path=/workspace/run.sh&mode=0755");
    assertThatThrownBy(() -> files.write("/x", new byte[0], 010000)).hasMessageContaining("mode must be between");
  }

  @Test
  void readAnswersTheBytes() {
    byte[] content = "héllo\n".getBytes(StandardCharsets.UTF_8);
    server.enqueue(new FakeServer.Answer(200, Map.of("Content-Type", "application/octet-stream"), content));
    server.enqueue(new FakeServer.Answer(200, Map.of("Content-Type", "application/octet-stream"), content));
    assertThat(files.read("/a")).isEqualTo(content);
    assertThat(files.readString("/a")).isEqualTo("héllo\n");
  }

  @Test
  void listReadsEntries() {
    server.enqueue(json(200, """
        {"entries":[{"name":"a.txt","type":"file","size":12,"mode":"0644","modifiedAt":"2026-11-22T10:00:00Z"},
                    {"name":"sub","type":"directory","size":4096,"mode":"0755","modifiedAt":"2026-11-22T10:00:01Z"},
                    {"name":"l","type":"symlink","size":3,"mode":"0777","modifiedAt":"2026-11-22T10:00:02Z"},
                    {"name":"p","type":"fifo","size":0,"mode":"0600","modifiedAt":"2026-11-22T10:00:03Z"}]}"""));
    var entries = files.list("/workspace");
    assertThat(server.requests().getFirst().path()).isEqualTo("/v1/sandboxes/sbx_1/files/list");
    assertThat(entries).containsExactly(
        new FileEntry("a.txt", FileEntry.Type.FILE, 12, 0644, Instant.parse("2026-11-22T10:00:00Z")),
        new FileEntry("sub", FileEntry.Type.DIRECTORY, 4096, 0755, Instant.parse("2026-11-22T10:00:01Z")),
        new FileEntry("l", FileEntry.Type.SYMLINK, 3, 0777, Instant.parse("2026-11-22T10:00:02Z")),
        new FileEntry("p", FileEntry.Type.OTHER, 0, 0600, Instant.parse("2026-11-22T10:00:03Z")));
  }

  @Test
  void mkdirAndDeleteUseTheirRoutes() {
    server.otherwise(r -> empty(204));
    files.mkdir("/workspace/new dir");
    files.delete("/workspace/a.txt");
    files.delete("/workspace/new dir", true);
    assertThat(server.requests()).extracting(r -> r.method() + " " + r.path() + "?" + r.rawQuery()).containsExactly(
        "POST /v1/sandboxes/sbx_1/files/mkdir?path=/workspace/new%20dir",
        "DELETE /v1/sandboxes/sbx_1/files?path=/workspace/a.txt",
        "DELETE /v1/sandboxes/sbx_1/files?path=/workspace/new%20dir&recursive=true");
  }

  @Test
  void relativePathsAreRejectedBeforeAnyCall() {
    assertThatThrownBy(() -> files.read("etc/passwd")).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("path must be absolute, got 'etc/passwd'");
    assertThatThrownBy(() -> files.read(null)).isInstanceOf(NullPointerException.class).hasMessage("path");
    assertThat(server.requests()).isEmpty();
  }

  @Test
  void readingAMissingFileIsNotFound() {
    server.otherwise(r -> FakeServer.problem(404, "not-found", "no file /nope"));
    assertThatThrownBy(() -> files.read("/nope")).isInstanceOf(NotFoundException.class)
        .hasMessage("GET /v1/sandboxes/sbx_1/files?path=/nope failed with 404 not-found: no file /nope");
  }
}
