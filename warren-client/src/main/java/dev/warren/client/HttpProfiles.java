package dev.warren.client;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/** {@link Profiles} over HTTP. Stateless apart from the shared transport; thread-safe. */
final class HttpProfiles implements Profiles {

  private final HttpTransport transport;

  HttpProfiles(HttpTransport transport) {
    this.transport = transport;
  }

  @Override
  public List<ProfileInfo> list() {
    return transport.sendJson(Call.get("/v1/profiles"), BrowserWire::profiles);
  }

  @Override
  public Optional<ProfileInfo> get(String name) {
    try {
      return Optional.of(transport.sendJson(Call.get(path(name)), BrowserWire::profile));
    } catch (NotFoundException e) {
      return Optional.empty();
    }
  }

  @Override
  public byte[] export(String name) {
    return transport.send(Call.get(path(name) + "/export")).body();
  }

  @Override
  public long export(String name, Path file) {
    Objects.requireNonNull(file, "file");
    Call call = Call.get(path(name) + "/export");
    Path target = file.toAbsolutePath();
    Path part;
    try {
      part = Files.createTempFile(target.getParent(), "." + target.getFileName() + ".", ".part");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write next to " + target + ": " + e.getMessage(), e);
    }
    try {
      long size = downloadWithRetries(call, part);
      Files.move(part, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      return size;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot move the export of profile " + name + " to " + target + ": " + e.getMessage(), e);
    } finally {
      try {
        Files.deleteIfExists(part);
      } catch (IOException ignored) {
        // a stray .part file; the export itself succeeded or failed already
      }
    }
  }

  /** Downloads into {@code part}, from the start again after a dropped connection or a busy server. */
  private long downloadWithRetries(Call call, Path part) {
    for (int attempt = 1; ; attempt++) {
      try {
        return download(call, part);
      } catch (IOException noAnswer) {
        if (attempt >= transport.backoff().maxAttempts()) {
          throw Errors.noAnswer(call, transport.toString(), noAnswer, attempt);
        }
      } catch (WarrenException answered) {
        if (!HttpTransport.isRetryable(answered.status()) || attempt >= transport.backoff().maxAttempts()) throw answered;
      }
      pause(call, attempt);
    }
  }

  /**
   * One attempt: the answer's body into {@code part}. An {@link IOException} is the network's (the
   * attempt can be repeated); the local file's errors are thrown unchecked at once.
   */
  private long download(Call call, Path part) throws IOException {
    HttpResponse<InputStream> response;
    try {
      response = transport.open(call);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw HttpTransport.interrupted(call, e);
    }
    try (InputStream in = response.body(); OutputStream out = open(part)) {
      byte[] buffer = new byte[64 * 1024];
      long total = 0;
      for (int n; (n = in.read(buffer)) >= 0; total += n) {
        try {
          out.write(buffer, 0, n);
        } catch (IOException local) {
          throw new UncheckedIOException("cannot write " + part + ": " + local.getMessage(), local);
        }
      }
      return total;
    }
  }

  private static OutputStream open(Path part) {
    try {
      return Files.newOutputStream(part);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + part + ": " + e.getMessage(), e);
    }
  }

  private void pause(Call call, int attempt) {
    try {
      Thread.sleep(transport.backoff().delay(attempt, Optional.empty()).toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw HttpTransport.interrupted(call, e);
    }
  }

  @Override
  public boolean delete(String name) {
    try {
      transport.send(Call.delete(path(name)));
      return true;
    } catch (NotFoundException e) {
      return false;
    }
  }

  private static String path(String name) {
    return "/v1/profiles/" + Urls.profile(name);
  }
}
