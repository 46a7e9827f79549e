package dev.warren.client;

import java.util.List;
import java.util.Objects;

/** {@link SandboxFiles} over HTTP; each method one call. Thread-safe. */
final class HttpSandboxFiles implements SandboxFiles {

  private final HttpTransport transport;
  private final String sandboxPath;
  private final Runnable ensureOpen;

  HttpSandboxFiles(HttpTransport transport, String sandboxPath, Runnable ensureOpen) {
    this.transport = transport;
    this.sandboxPath = sandboxPath;
    this.ensureOpen = ensureOpen;
  }

  @Override
  public void write(String path, byte[] content) {
    Objects.requireNonNull(content, "content");
    transport.send(Call.put(url("/files", path), content, "application/octet-stream"));
  }

  @Override
  public void write(String path, byte[] content, int mode) {
    Objects.requireNonNull(content, "content");
    if (mode < 0 || mode > 07777) {
      throw new IllegalArgumentException("mode must be between 0 and 07777, got " + Integer.toOctalString(mode));
    }
    String query = url("/files", path) + "&mode=" + String.format("%04o", mode);
    transport.send(Call.put(query, content, "application/octet-stream"));
  }

  @Override
  public byte[] read(String path) {
    return transport.send(Call.get(url("/files", path))).body();
  }

  @Override
  public List<FileEntry> list(String path) {
    return transport.sendJson(Call.get(url("/files/list", path)), Wire::fileEntries);
  }

  @Override
  public void mkdir(String path) {
    // mkdir -p is idempotent, so a retried POST is harmless.
    transport.send(Call.post(url("/files/mkdir", path), Call.Retry.IDEMPOTENT));
  }

  @Override
  public void delete(String path, boolean recursive) {
    transport.send(Call.delete(url("/files", path) + (recursive ? "&recursive=true" : "")));
  }

  private String url(String route, String path) {
    Urls.sandboxPath(path);
    ensureOpen.run();
    return sandboxPath + route + "?path=" + Urls.queryValue(path);
  }
}
