package dev.warren.api;

import dev.warren.config.RegistrySettings;
import dev.warren.error.Problem;
import dev.warren.error.WarrenException;
import dev.warren.image.Image;
import dev.warren.image.ImageRef;
import dev.warren.image.ImageStore;
import dev.warren.image.Recipe;
import dev.warren.image.Registry;
import dev.warren.image.StoredImages;
import dev.warren.image.UserImage;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.util.Optional;
import java.util.Set;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code /v1/images}: list (built-in recipes' images and user images), get, delete, import an
 * archive, pull from a registry. Any API token may use them: images are shared by every caller of
 * this controller, as sandboxes are.
 */
final class ImageRoutes {
  private final StoredImages images;
  private final ImageStore store;
  private final Registry registry;

  private final BuildRoutes builds;

  ImageRoutes(StoredImages images, Registry registry, dev.warren.build.ImageBuilds builds, java.util.function.BooleanSupplier stopping) {
    this.images = images;
    this.store = images.store();
    this.registry = registry;
    this.builds = new BuildRoutes(builds, store, this::json, stopping);
  }

  void register(RoutesConfig r) {
    builds.register(r);
    r.get("/v1/images", ctx -> {
      ObjectNode body = Json.object();
      ArrayNode list = body.putArray("images");
      for (Recipe recipe : images.recipes()) {
        list.add(builtIn(recipe, images.builtIn().find(recipe.name())));
      }
      store.list().forEach(i -> list.add(json(i)));
      Json.send(ctx, 200, body);
    });
    r.post("/v1/images/import", this::importArchive);
    r.post("/v1/images/pull", this::pull);
    r.post("/v1/images/export", this::export);
    r.get("/v1/images/<name>", ctx -> {
      String name = ctx.pathParam("name");
      Optional<Recipe> recipe = images.recipes().stream().filter(x -> x.name().equals(name)).findFirst();
      if (recipe.isPresent()) {
        Json.send(ctx, 200, builtIn(recipe.get(), images.builtIn().find(name)));
        return;
      }
      ImageRef ref = ImageRef.parse("name", name);
      Json.send(ctx, 200, json(store.find(ref).orElseThrow(() -> new WarrenException(Problem.NOT_FOUND, "no image " + ref))));
    });
    r.delete("/v1/images/<name>", ctx -> {
      String name = ctx.pathParam("name");
      if (images.recipes().stream().anyMatch(x -> x.name().equals(name))) {
        throw WarrenException.invalid("name", "image " + name + " is a built-in recipe: remove its build on the host with warren image, not the API");
      }
      store.delete(ImageRef.parse("name", name));
      ctx.status(204);
    });
  }

  private void importArchive(Context ctx) {
    ImageRef ref = ImageRef.parse("name", ctx.queryParam("name"));
    long declared = ctx.req().getContentLengthLong();
    if (declared > ImageStore.MAX_IMPORT_BYTES) {
      throw new WarrenException(Problem.TOO_LARGE, "the image archive of " + declared + " bytes is over the limit of " + ImageStore.MAX_IMPORT_BYTES + " bytes");
    }
    UserImage i;
    try (InputStream in = ctx.bodyInputStream()) {
      i = store.importArchive(in, ref, ImageStore.MAX_IMPORT_BYTES);
    } catch (IOException e) {
      throw WarrenException.invalid("body", "cannot read the image archive: " + e.getMessage());
    }
    ctx.header("Location", "/v1/images/" + i.ref());
    Json.send(ctx, 201, json(i));
  }

  private void pull(Context ctx) {
    Body b = Body.of(ctx, Set.of("reference", "name", "credentials"));
    Registry.Reference from = Registry.Reference.parse("reference", b.string("reference")
        .orElseThrow(() -> WarrenException.invalid("reference", "reference is required, e.g. docker.io/library/python:3.12")));
    String defaultName = from.repository() + ":" + (from.reference().startsWith("sha256:") ? "latest" : from.reference());
    ImageRef ref = ImageRef.parse("name", b.string("name").orElse(defaultName));
    // for this pull only: given to the registry, kept nowhere, never in an answer, event or log
    Optional<RegistrySettings.Credentials> credentials = b.object("credentials", Set.of("username", "password")).map(c -> {
      String user = c.string("username").filter(u -> !u.isEmpty())
          .orElseThrow(() -> WarrenException.invalid("credentials.username", "credentials.username is required with credentials"));
      String password = c.string("password").filter(p -> !p.isEmpty())
          .orElseThrow(() -> WarrenException.invalid("credentials.password", "credentials.password (or a token) is required with credentials"));
      if (user.contains(":") || user.length() > 256 || password.length() > 8192) {
        throw WarrenException.invalid(user.contains(":") || user.length() > 256 ? "credentials.username" : "credentials.password",
            "credentials.username is at most 256 characters without ':', credentials.password at most 8192");
      }
      return new RegistrySettings.Credentials(user, password);
    });
    UserImage i = store.importLayout(ref, from.toString(), layout -> registry.pull(from, layout, ImageStore.MAX_IMPORT_BYTES, credentials));
    ctx.header("Location", "/v1/images/" + i.ref());
    Json.send(ctx, 201, json(i));
  }

  /** The image as a tar of an OCI layout (with a docker save manifest.json), streamed as it is written. */
  private void export(Context ctx) {
    Body b = Body.of(ctx, Set.of("name"));
    ImageRef ref = ImageRef.parse("name", b.string("name").orElse(null));
    store.find(ref).orElseThrow(() -> new WarrenException(Problem.NOT_FOUND, "no image " + ref));
    ctx.contentType("application/x-tar");
    ctx.header("Content-Disposition", "attachment; filename=\"" + ref.toString().replaceAll("[^A-Za-z0-9._-]", "_") + ".tar\"");
    try {
      store.export(ref, ctx.outputStream());
    } catch (IOException e) {
      // the answer has begun: the client sees a cut-short tar, the log says why
      throw new WarrenException(Problem.UNAVAILABLE, "cannot export " + ref + ": " + e.getMessage(), e);
    }
  }

  private ObjectNode json(UserImage i) {
    ObjectNode n = Json.object();
    n.put("name", i.ref().toString());
    n.put("kind", "user");
    n.put("digest", i.digest());
    n.put("sizeBytes", i.sizeBytes());
    n.put("createdAt", Json.time(i.createdAt()));
    n.put("source", i.source());
    ArrayNode layers = n.putArray("layers");
    i.layers().forEach(layers::add);
    ObjectNode c = n.putObject("config");
    ObjectNode env = c.putObject("env");
    i.config().env().forEach(env::put);
    c.put("workingDir", i.config().workingDir());
    c.put("user", i.config().user());
    ArrayNode ep = c.putArray("entrypoint");
    i.config().entrypoint().forEach(ep::add);
    ArrayNode cmd = c.putArray("cmd");
    i.config().cmd().forEach(cmd::add);
    ObjectNode labels = c.putObject("labels");
    i.config().labels().forEach(labels::put);
    ArrayNode used = n.putArray("usedBy");
    store.users(i.digest()).forEach(used::add);
    return n;
  }

  private static ObjectNode builtIn(Recipe r, Optional<Image> built) {
    ObjectNode n = Json.object();
    n.put("name", r.name());
    n.put("kind", "builtin");
    n.put("digest", r.digest());
    n.put("description", r.description());
    n.put("built", built.isPresent());
    built.ifPresent(i -> {
      n.put("sizeBytes", i.sizeBytes());
      n.put("createdAt", Json.time(i.builtAt()));
    });
    return n;
  }
}
