package dev.warren.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.assertj.core.api.Assertions.tuple;

import dev.warren.testing.TestWarren;
import dev.warren.testing.TestWarren.Resp;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@code Sandbox.files()} against a real sandbox: content, listings, odd names, and staying inside it. */
class SdkFilesTest {
  static TestWarren server;
  static Warren warren;
  static Sandbox sbx;
  static SandboxFiles files;

  @RegisterExtension
  static final ServerLogOnFailure logs = new ServerLogOnFailure(() -> server);

  @BeforeAll
  static void startServer() {
    server = TestWarren.start();
    warren = server.sdk();
    sbx = warren.sandboxes().create();
    files = sbx.files();
  }

  @AfterAll
  static void stopServer() {
    try (var s = server; var w = warren; var box = sbx) {
      // closed in reverse order: sandbox, client, server
    }
  }

  @Test
  void bytesRoundTripExactlyIncludingEveryByteValue() throws Exception {
    byte[] content = new byte[256 + (1 << 20)];
    for (int i = 0; i < 256; i++) {
      content[i] = (byte) i;
    }
    byte[] noise = new byte[1 << 20];
    new Random(42).nextBytes(noise);
    System.arraycopy(noise, 0, content, 256, noise.length);

    files.write("/data/bytes/all.bin", content);

    assertThat(files.read("/data/bytes/all.bin")).isEqualTo(content);
    String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
    assertThat(sbx.exec("sha256sum < /data/bytes/all.bin").stdout()).isEqualTo(sha + "  -\n");
    files.write("/data/bytes/empty", new byte[0]);
    assertThat(files.read("/data/bytes/empty")).isEmpty();
  }

  @Test
  void fileLargerThanSixteenMebibytesRoundTrips() {
    byte[] content = new byte[20 << 20];
    new Random(7).nextBytes(content);

    files.write("/data/big/twenty.bin", content);

    assertThat(Arrays.equals(files.read("/data/big/twenty.bin"), content)).isTrue();
    files.delete("/data/big/twenty.bin");
  }

  @Test
  void textRoundTripsAsUtf8() {
    String text = "héllo wörld — 日本語 🦫\r\n\ttab\n";

    files.writeString("/data/text/hello.txt", text);

    assertThat(files.readString("/data/text/hello.txt")).isEqualTo(text);
    assertThat(sbx.exec("cat /data/text/hello.txt").stdout()).isEqualTo(text);
    assertThat(sbx.exec("wc -c < /data/text/hello.txt").stdout().strip())
        .isEqualTo(Integer.toString(text.getBytes(StandardCharsets.UTF_8).length));
  }

  @Test
  void listingDescribesNamesTypesSizesAndModes() {
    Instant before = Instant.now().minusSeconds(5);
    files.mkdir("/data/listing/sub");
    files.write("/data/listing/a.txt", "hello".getBytes(StandardCharsets.UTF_8), 0600);
    files.write("/data/listing/run.sh", "#!/bin/sh\n".getBytes(StandardCharsets.UTF_8), 0755);
    assertThat(sbx.exec("ln -s a.txt /data/listing/link").exitCode()).isZero();

    List<FileEntry> entries = files.list("/data/listing");

    assertThat(entries).extracting(FileEntry::name, FileEntry::type, FileEntry::octalMode).containsExactly(
        tuple("a.txt", FileEntry.Type.FILE, "0600"),
        tuple("link", FileEntry.Type.SYMLINK, "0777"),
        tuple("run.sh", FileEntry.Type.FILE, "0755"),
        tuple("sub", FileEntry.Type.DIRECTORY, "0755"));
    assertThat(entries).extracting(FileEntry::size).startsWith(5L, 5L, 10L);
    assertThat(entries).allSatisfy(e -> assertThat(e.modifiedAt()).isBetween(before, Instant.now().plusSeconds(5)));
    assertThat(entries.get(3).isDirectory()).isTrue();
    assertThat(sbx.exec("stat -c '%u %g %a' /data/listing/a.txt /data/listing/sub").stdout()).isEqualTo("0 0 600\n0 0 755\n");
  }

  @Test
  void rewritingAFileKeepsItsModeUnlessANewOneIsGiven() {
    files.write("/data/modes/tool", "v1".getBytes(StandardCharsets.UTF_8), 0750);
    files.writeString("/data/modes/tool", "v2");

    assertThat(files.readString("/data/modes/tool")).isEqualTo("v2");
    assertThat(files.list("/data/modes")).singleElement().extracting(FileEntry::octalMode).isEqualTo("0750");

    files.write("/data/modes/tool", "v3".getBytes(StandardCharsets.UTF_8), 0644);
    assertThat(files.list("/data/modes")).singleElement().extracting(FileEntry::octalMode).isEqualTo("0644");
  }

  @Test
  void mkdirCreatesParentsAndAcceptsAnExistingDirectory() {
    files.mkdir("/data/made/a/b/c");
    files.mkdir("/data/made/a/b/c");

    assertThat(files.list("/data/made/a/b")).extracting(FileEntry::name, FileEntry::type)
        .containsExactly(tuple("c", FileEntry.Type.DIRECTORY));
    assertThat(files.list("/data/made/a/b/c")).isEmpty();
    assertThat(sbx.exec("stat -c '%u %a' /data/made/a /data/made/a/b/c").stdout()).isEqualTo("0 755\n0 755\n");
  }

  @Test
  void deleteRemovesFilesAndEmptyDirectoriesAndRecursiveDeleteRemovesTrees() {
    files.writeString("/data/del/tree/x/y.txt", "y");
    files.writeString("/data/del/file.txt", "f");
    files.mkdir("/data/del/empty");

    files.delete("/data/del/file.txt");
    files.delete("/data/del/empty");
    assertThat(files.list("/data/del")).extracting(FileEntry::name).containsExactly("tree");
    assertThatThrownBy(() -> files.read("/data/del/file.txt")).isInstanceOf(NotFoundException.class);

    ConflictException notEmpty = catchThrowableOfType(ConflictException.class, () -> files.delete("/data/del/tree"));
    assertThat(notEmpty.status()).isEqualTo(409);
    assertThat(notEmpty).hasMessageContaining("not empty");
    assertThat(files.list("/data/del/tree/x")).extracting(FileEntry::name).containsExactly("y.txt");

    files.delete("/data/del/tree", true);
    assertThat(files.list("/data/del")).isEmpty();
    assertThatThrownBy(() -> files.delete("/data/del/file.txt")).isInstanceOf(NotFoundException.class);
  }

  @Test
  void pathsWithSpacesUnicodeAndUrlCharactersRoundTrip() {
    List<String> names = List.of("with space.txt", "ünïcødé 日本語.txt", "a&b=c.txt", "#hash.txt", "q?x=1.txt",
        "100%+plus.txt", "semi;colon,comma'quote\".txt", "back\\slash.txt", "emoji 🦫.txt", "%2F.txt");
    for (String name : names) {
      files.writeString("/data/odd dir/" + name, name);
    }

    for (String name : names) {
      assertThat(files.readString("/data/odd dir/" + name)).as(name).isEqualTo(name);
    }
    assertThat(files.list("/data/odd dir")).extracting(FileEntry::name).containsExactlyInAnyOrderElementsOf(names);
    assertThat(sbx.exec("ls -1 '/data/odd dir'").stdout().lines().toList()).containsExactlyInAnyOrderElementsOf(names);
    assertThat(files.readString("/data//odd dir/./with space.txt")).isEqualTo("with space.txt");

    for (String name : names) {
      files.delete("/data/odd dir/" + name);
    }
    assertThat(files.list("/data/odd dir")).isEmpty();
  }

  @Test
  void parentTraversalResolvesInsideTheSandbox() throws IOException {
    String probe = "warren-probe-" + UUID.randomUUID();
    sbx.exec("echo '" + probe + ":x:4242:4242::/nonexistent:/usr/sbin/nologin' >> /etc/passwd");
    String inside = sbx.exec("cat /etc/passwd").stdout();
    String host = Files.readString(Path.of("/etc/passwd"));

    String viaTraversal = files.readString("/../../etc/passwd");

    assertThat(viaTraversal).isEqualTo(inside).contains(probe);
    assertThat(host).doesNotContain(probe);
    assertThat(files.readString("/workspace/../../../../etc/passwd")).isEqualTo(inside);
    assertThat(files.list("/../..")).extracting(FileEntry::name)
        .containsExactlyElementsOf(files.list("/").stream().map(FileEntry::name).toList());

    files.writeString("/../../../tmp/" + probe, "written through ..");
    assertThat(sbx.exec("cat /tmp/" + probe).stdout()).isEqualTo("written through ..");
    assertThat(Path.of("/tmp", probe)).doesNotExist();
  }

  @Test
  void symlinksCannotLeadOutOfTheSandbox() {
    String probe = "warren-probe-" + UUID.randomUUID();
    String hostToken = server.dataDir().resolve("token").toString();
    assertThat(Path.of(hostToken)).exists();
    ExecResult links = sbx.exec(String.join(" && ",
        "mkdir -p /data/links/deep/a/b",
        "ln -s / /data/links/root",
        "ln -s ../../.. /data/links/up",
        "ln -s ../../../../../../../../.. /data/links/deep/a/b/climb",
        "ln -s " + hostToken + " /data/links/token",
        "echo inside > /" + probe));
    assertThat(links.exitCode()).as(links.stderr()).isZero();

    for (String via : List.of("/data/links/root", "/data/links/up", "/data/links/deep/a/b/climb")) {
      assertThat(files.readString(via + "/" + probe)).as(via).isEqualTo("inside\n");
      assertThatThrownBy(() -> files.read(via + hostToken)).as(via).isInstanceOf(NotFoundException.class);
    }
    assertThatThrownBy(() -> files.read("/data/links/token")).isInstanceOf(NotFoundException.class);
    assertThat(files.list("/data/links/root")).extracting(FileEntry::name)
        .containsExactlyElementsOf(files.list("/").stream().map(FileEntry::name).toList())
        .contains(probe);

    files.writeString("/data/links/up/tmp/" + probe, "written through a link");
    assertThat(sbx.exec("cat /tmp/" + probe).stdout()).isEqualTo("written through a link");
    assertThat(Path.of("/tmp", probe)).doesNotExist();
  }

  @Test
  void missingFileIsNotFound() {
    NotFoundException e = catchThrowableOfType(NotFoundException.class, () -> files.read("/data/no/such/file.txt"));

    assertThat(e.status()).isEqualTo(404);
    assertThat(e.problem()).hasValueSatisfying(p -> assertThat(p.typeName()).isEqualTo("not-found"));
    assertThat(e).hasMessageContaining("/data/no/such/file.txt");
    assertThatThrownBy(() -> files.list("/data/no/such/dir")).isInstanceOf(NotFoundException.class);
  }

  @Test
  void pathsThatNameTheWrongKindOfThingAreInvalidInputOnPath() {
    assertThat(catchThrowableOfType(InvalidInputException.class, () -> files.read("/etc")).field()).contains("path");
    assertThat(catchThrowableOfType(InvalidInputException.class, () -> files.list("/etc/hostname")).field()).contains("path");
    assertThat(catchThrowableOfType(InvalidInputException.class, () -> files.write("/data/dir/", new byte[1])).field())
        .contains("path");
    assertThat(catchThrowableOfType(InvalidInputException.class, () -> files.delete("/")).field()).contains("path");
    assertThat(catchThrowableOfType(InvalidInputException.class, () -> files.mkdir("/etc/hostname/x")).field())
        .contains("path");
  }

  @Test
  void relativePathIsRefusedBeforeAnyCallAndByTheServer() {
    assertThatThrownBy(() -> files.read("etc/passwd"))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("path must be absolute, got 'etc/passwd'");
    assertThatThrownBy(() -> files.writeString("", "x")).isInstanceOf(IllegalArgumentException.class);

    // the SDK never sends one; the server would refuse it the same way
    Resp raw = server.get("/v1/sandboxes/" + sbx.id() + "/files?path=etc/passwd");
    assertThat(raw.status()).isEqualTo(400);
    assertThat(raw.json().path("field").asString()).isEqualTo("path");
    assertThat(raw.json().path("detail").asString()).isEqualTo("path must be absolute, got 'etc/passwd'");
  }
}
