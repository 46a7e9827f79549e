package dev.warren.client;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/** {@link Images} over HTTP. Stateless apart from the shared transport; thread-safe. */
final class HttpImages implements Images {
  private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9._/-]{0,63}(:[A-Za-z0-9_][A-Za-z0-9._-]{0,127})?");
  /** An import or pull of a large image takes a while; the server answers once the image is stored. */
  private static final Duration SLOW = Duration.ofMinutes(30);

  private final HttpTransport transport;

  HttpImages(HttpTransport transport) {
    this.transport = transport;
  }

  private static String name(String name) {
    Objects.requireNonNull(name, "name");
    if (!NAME.matcher(name).matches()) {
      throw new IllegalArgumentException("image name must be like myimage or team/tools:1.0 (lower-case name, optional :tag), got '" + name + "'");
    }
    return name;
  }

  @Override
  public List<ImageInfo> list() {
    return transport.sendJson(Call.get("/v1/images"), json -> JsonFields.of(json, "answer").list("images").stream()
        .map(HttpImages::image).toList());
  }

  @Override
  public Optional<ImageInfo> get(String name) {
    try {
      return Optional.of(transport.sendJson(Call.get("/v1/images/" + name(name)), HttpImages::image));
    } catch (NotFoundException e) {
      return Optional.empty();
    }
  }

  @Override
  public ImageInfo importImage(Path file, String name) {
    Objects.requireNonNull(file, "file");
    if (!Files.isRegularFile(file)) {
      throw new IllegalArgumentException("no image archive at " + file);
    }
    Call call = Call.post("/v1/images/import?name=" + Urls.queryValue(name(name)), Call.Retry.BEFORE_SEND)
        .bodyFile(file, "application/x-tar").timeout(SLOW);
    return transport.sendJson(call, HttpImages::image);
  }

  @Override
  public ImageInfo pull(String reference, Optional<String> name) {
    return pull(reference, name, null);
  }

  @Override
  public ImageInfo pull(String reference, Optional<String> name, RegistryCredentials credentials) {
    Objects.requireNonNull(reference, "reference");
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("reference", reference);
    name.map(HttpImages::name).ifPresent(n -> body.put("name", n));
    if (credentials != null) {
      body.put("credentials", Map.of("username", credentials.username(), "password", credentials.password()));
    }
    // a repeated pull stores the same image under the same tag: safe to retry
    return transport.sendJson(Call.post("/v1/images/pull", Call.Retry.IDEMPOTENT).json(body).timeout(SLOW), HttpImages::image);
  }

  @Override
  public long export(String name, Path file) {
    Objects.requireNonNull(file, "file");
    Call call = Call.post("/v1/images/export", Call.Retry.IDEMPOTENT).json(Map.of("name", name(name))).timeout(SLOW);
    java.net.http.HttpResponse<java.io.InputStream> response;
    try {
      response = transport.open(call);
    } catch (java.io.IOException e) {
      throw Errors.noAnswer(call, transport.toString(), e, 1);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw HttpTransport.interrupted(call, e);
    }
    Path part = file.resolveSibling(file.getFileName() + ".part");
    try (java.io.InputStream in = response.body(); java.io.OutputStream out = Files.newOutputStream(part)) {
      long n = in.transferTo(out);
      out.close();
      Files.move(part, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      return n;
    } catch (java.io.IOException e) {
      try {
        Files.deleteIfExists(part);
      } catch (java.io.IOException other) {
        e.addSuppressed(other);
      }
      throw new java.io.UncheckedIOException("cannot export " + name + " to " + file + ": " + e.getMessage(), e);
    }
  }

  @Override
  public boolean delete(String name) {
    try {
      transport.send(Call.delete("/v1/images/" + name(name)));
      return true;
    } catch (NotFoundException e) {
      return false;
    }
  }

  static ImageInfo image(Object json) {
    var f = JsonFields.of(json, "image");
    boolean user = f.string("kind").equals("user");
    Optional<JsonFields> config = f.optObject("config");
    return new ImageInfo(f.string("name"), f.string("kind"), f.string("digest"), user || f.bool("built", false), f.optLong("sizeBytes"),
        f.optInstant("createdAt"), user ? f.stringList("layers") : List.of(), config.map(c -> c.stringMap("env")).orElse(Map.of()),
        config.flatMap(c -> c.optString("workingDir")).filter(s -> !s.isEmpty()), user ? f.stringList("usedBy") : List.of(),
        f.optString("source"));
  }
}
