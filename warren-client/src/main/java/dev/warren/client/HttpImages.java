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

  @Override
  public ImageBuild build(String name, Path context, ImageBuildOptions options, java.util.function.Consumer<ImageBuild.Event> progress) {
    Objects.requireNonNull(context, "context");
    Objects.requireNonNull(options, "options");
    Objects.requireNonNull(progress, "progress");
    if (!Files.isDirectory(context)) {
      throw new IllegalArgumentException("no build context directory at " + context);
    }
    StringBuilder q = new StringBuilder("/v1/images?async=true&name=" + Urls.queryValue(name(name)));
    q.append("&dockerfile=").append(Urls.queryValue(options.dockerfile()));
    options.buildArgs().forEach((k, v) -> q.append("&buildArg=").append(Urls.queryValue(k + "=" + v)));
    options.allow().forEach(h -> q.append("&allow=").append(Urls.queryValue(h)));
    Path tar = null;
    try {
      tar = Files.createTempFile("warren-context-", ".tar");
      ContextTar.write(context, tar);
      ImageBuild started = transport.sendJson(Call.post(q.toString(), Call.Retry.BEFORE_SEND).bodyFile(tar, "application/x-tar").timeout(SLOW),
          ImageBuild::of);
      follow(name, started.id(), progress);
      return build(name, started.id()).orElseThrow(() -> new IllegalStateException("the server lost build " + started.id()));
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException("cannot send the build context " + context + ": " + e.getMessage(), e);
    } finally {
      if (tar != null) {
        try {
          Files.deleteIfExists(tar);
        } catch (java.io.IOException e) {
          // a temporary file; the system cleans its temp directory
        }
      }
    }
  }

  /** Reads the build's log until its {@code done} event, handing the rest to {@code progress}. */
  private void follow(String name, String id, java.util.function.Consumer<ImageBuild.Event> progress) throws java.io.IOException {
    Call call = Call.get("/v1/images/" + name + "/builds/" + id + "/logs?follow=true").timeout(Duration.ofHours(2));
    java.net.http.HttpResponse<java.io.InputStream> response;
    try {
      response = transport.open(call);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw HttpTransport.interrupted(call, e);
    }
    try (java.io.InputStream body = response.body()) {
      SseParser parser = new SseParser(body);
      for (var e = parser.next(); e.isPresent(); e = parser.next()) {
        switch (e.get().type()) {
          case "step" -> {
            ImageBuild.Step s = ImageBuild.step(Json.parse(e.get().data()));
            progress.accept(new ImageBuild.Event("step", s.number(), Optional.of(s), Optional.empty()));
          }
          case "output" -> {
            var f = JsonFields.of(Json.parse(e.get().data()), "output");
            progress.accept(new ImageBuild.Event("output", f.intValue("step"), Optional.empty(), Optional.of(f.string("line"))));
          }
          case "done" -> {
            return;
          }
          default -> {
            // events this SDK does not know yet
          }
        }
      }
    }
  }

  @Override
  public Optional<ImageBuild> build(String name, String id) {
    Objects.requireNonNull(id, "id");
    try {
      return Optional.of(transport.sendJson(Call.get("/v1/images/" + name(name) + "/builds/" + Urls.id("build", id)), ImageBuild::of));
    } catch (NotFoundException e) {
      return Optional.empty();
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
