package dev.warren.api;

import dev.warren.error.WarrenException;
import dev.warren.sandbox.SandboxFiles;
import dev.warren.sandbox.SandboxService;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.io.InputStream;
import java.util.Optional;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code /v1/sandboxes/{id}/files}: upload, download, list, mkdir, delete. Each resumes a paused
 * sandbox first unless {@code ?resume=false} (then 409); the list says {@code resumed}.
 */
final class FileRoutes {
  private final SandboxService sandboxes;
  private final long maxUpload;

  FileRoutes(SandboxService sandboxes, long maxUpload) {
    this.sandboxes = sandboxes;
    this.maxUpload = maxUpload;
  }

  void register(RoutesConfig r) {
    r.put("/v1/sandboxes/{id}/files", this::upload);
    r.get("/v1/sandboxes/{id}/files", this::download);
    r.delete("/v1/sandboxes/{id}/files", this::delete);
    r.get("/v1/sandboxes/{id}/files/list", this::list);
    r.post("/v1/sandboxes/{id}/files/mkdir", ctx -> {
      sandboxes.files(ctx.pathParam("id"), SandboxRoutes.resume(ctx)).mkdirs(path(ctx));
      ctx.status(204);
    });
  }

  private static String path(Context ctx) {
    String p = ctx.queryParam("path");
    if (p == null || p.isEmpty()) {
      throw WarrenException.invalid("path", "the path query parameter is required, e.g. ?path=/workspace/a.txt");
    }
    return p;
  }

  private void upload(Context ctx) {
    String path = path(ctx);
    Optional<Integer> mode = Optional.ofNullable(ctx.queryParam("mode")).map(m -> {
      if (!m.matches("0?[0-7]{3,4}")) {
        throw WarrenException.invalid("mode", "mode must be octal permissions such as 0644, got '" + m + "'");
      }
      int v = Integer.parseInt(m, 8);
      if (v > 07777) {
        throw WarrenException.invalid("mode", "mode must be at most 07777");
      }
      return v & 0777;
    });
    long declared = ctx.req().getContentLengthLong();
    if (declared > maxUpload) {
      throw new WarrenException(dev.warren.error.Problem.TOO_LARGE, "upload of " + declared + " bytes is over the limit of " + maxUpload + " bytes");
    }
    SandboxFiles files = sandboxes.files(ctx.pathParam("id"), SandboxRoutes.resume(ctx));
    try (InputStream in = ctx.bodyInputStream()) {
      files.write(path, in, maxUpload, mode);
    } catch (java.io.IOException e) {
      throw WarrenException.invalid("body", "cannot read the upload: " + e.getMessage());
    }
    ctx.status(204);
  }

  private void download(Context ctx) {
    String path = path(ctx);
    SandboxFiles files = sandboxes.files(ctx.pathParam("id"), SandboxRoutes.resume(ctx));
    InputStream in = files.read(path);
    long size = files.size(path);
    if (size >= 0) {
      ctx.header("Content-Length", Long.toString(size));
    }
    ctx.contentType("application/octet-stream").result(in);
  }

  private void delete(Context ctx) {
    String path = path(ctx);
    String id = ctx.pathParam("id");
    SandboxFiles files = sandboxes.files(id, SandboxRoutes.resume(ctx));
    if ("true".equals(ctx.queryParam("recursive"))) {
      sandboxes.deleteTree(id, path);
    } else {
      files.delete(path);
    }
    ctx.status(204);
  }

  private void list(Context ctx) {
    String id = ctx.pathParam("id");
    String path = path(ctx);
    boolean resumed = sandboxes.ready(id, "list the files of", SandboxRoutes.resume(ctx)).resumed();
    ObjectNode out = Json.object();
    var arr = out.putArray("entries");
    out.put("resumed", resumed);
    for (dev.warren.runtime.GuestFiles.Entry e : sandboxes.files(id).list(path)) {
      arr.addObject().put("name", e.name()).put("type", e.type()).put("size", e.size()).put("mode", e.mode())
          .put("modifiedAt", Json.time(e.modifiedAt()));
    }
    Json.send(ctx, 200, out);
  }
}
