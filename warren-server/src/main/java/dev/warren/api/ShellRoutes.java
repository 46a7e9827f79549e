package dev.warren.api;

import dev.warren.error.WarrenException;
import dev.warren.shell.Commands;
import dev.warren.shell.ShellCommand;
import dev.warren.shell.ShellService;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import dev.warren.runtime.ReadableFile;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import tools.jackson.databind.node.ObjectNode;

/** {@code /v1/sandboxes/{id}/sessions}: sessions, their commands, logs, stdin and signals. */
final class ShellRoutes {
  private static final String S = "/v1/sandboxes/{id}/sessions";
  private static final String C = S + "/{sid}/commands/{cid}";
  static final long MAX_WAIT_SECONDS = 3600;

  private final ShellService shells;
  private final dev.warren.sandbox.SandboxService sandboxes;
  private final Commands commands;
  private final Drain drain;
  /** Whether what a token (by id) opened still counts: a followed stream ends when its token is revoked. */
  private final java.util.function.Predicate<String> active;

  ShellRoutes(ShellService shells, dev.warren.sandbox.SandboxService sandboxes, Drain drain, java.util.function.Predicate<String> active) {
    this.shells = shells;
    this.sandboxes = sandboxes;
    this.drain = drain;
    this.active = active;
    this.commands = shells.commands();
  }

  void register(RoutesConfig r) {
    r.post(S, this::createSession);
    r.get(S, ctx -> {
      ObjectNode out = Json.object();
      var arr = out.putArray("sessions");
      shells.list(ctx.pathParam("id")).forEach(s -> arr.add(ShellJson.session(s)));
      Json.send(ctx, 200, out);
    });
    r.get(S + "/{sid}", ctx -> Json.send(ctx, 200, ShellJson.session(shells.get(ctx.pathParam("id"), ctx.pathParam("sid")))));
    r.delete(S + "/{sid}", ctx -> {
      shells.delete(ctx.pathParam("id"), ctx.pathParam("sid"), "true".equals(ctx.queryParam("keepProcesses")));
      ctx.status(204);
    });
    r.put(S + "/{sid}/env", this::setEnv);
    r.post(S + "/{sid}/commands", this::submit);
    r.get(S + "/{sid}/commands", ctx -> {
      ObjectNode out = Json.object();
      var arr = out.putArray("commands");
      commands.list(ctx.pathParam("id"), ctx.pathParam("sid"), 1000).forEach(c -> arr.add(ShellJson.command(c, Optional.empty(), Optional.empty())));
      Json.send(ctx, 200, out);
    });
    r.get(C, this::getCommand);
    r.get(C + "/logs", this::logs);
    r.post(C + "/stdin", ctx -> {
      byte[] data = ctx.bodyAsBytes();
      commands.stdin(ctx.pathParam("id"), ctx.pathParam("sid"), ctx.pathParam("cid"), data, "true".equals(ctx.queryParam("eof")));
      ctx.status(204);
    });
    r.post(C + "/signal", ctx -> {
      Body b = Body.of(ctx, Set.of("signal"));
      String sig = b.string("signal").orElseThrow(() -> WarrenException.invalid("signal", "signal is required, e.g. {\"signal\": \"INT\"}"));
      ShellCommand c = commands.signal(ctx.pathParam("id"), ctx.pathParam("sid"), ctx.pathParam("cid"), sig.toUpperCase().replaceFirst("^SIG", ""));
      Json.send(ctx, 200, ShellJson.command(c, Optional.empty(), Optional.empty()));
    });
  }

  private void createSession(Context ctx) {
    Body b = Body.of(ctx, Set.of("env", "cwd"));
    var s = shells.create(ctx.pathParam("id"), b.stringMap("env"), b.string("cwd"));
    ctx.header("Location", "/v1/sandboxes/" + s.sandboxId() + "/sessions/" + s.id());
    Json.send(ctx, 201, ShellJson.session(s));
  }

  private void setEnv(Context ctx) {
    Body b = Body.of(ctx, Set.of("vars"));
    Body vars = b.object("vars", null).orElseThrow(() -> WarrenException.invalid("vars", "vars is required: {\"vars\": {\"NAME\": \"value\"}}"));
    Map<String, Optional<String>> values = new LinkedHashMap<>();
    for (String name : vars.names()) {
      values.put(name, vars.nullableString(name));
    }
    Json.send(ctx, 200, ShellJson.session(shells.setEnv(ctx.pathParam("id"), ctx.pathParam("sid"), values)));
  }

  private void submit(Context ctx) {
    Body b = Body.of(ctx, Set.of("command", "async", "timeoutSeconds", "waitSeconds", "stdin", "keepStdinOpen"));
    String command = b.string("command").orElseThrow(() -> WarrenException.invalid("command", "command is required (a shell script)"));
    if (command.isBlank()) {
      throw WarrenException.invalid("command", "command must not be empty");
    }
    if (command.indexOf('\0') >= 0) {
      throw WarrenException.invalid("command", "command must not contain NUL");
    }
    if (command.length() > 1_000_000) {
      throw WarrenException.invalid("command", "command is over 1 MB; upload a script file and run it instead");
    }
    boolean async = b.bool("async").orElse(false);
    Optional<Duration> timeout = b.number("timeoutSeconds", 0.001, 7 * 86400).map(s -> Duration.ofMillis(Math.round(s * 1000)));
    Duration wait = async ? Duration.ZERO : Duration.ofMillis(Math.round(b.number("waitSeconds", 0, MAX_WAIT_SECONDS).orElse(60.0) * 1000));
    Optional<byte[]> stdin = b.string("stdin").map(s -> s.getBytes(StandardCharsets.UTF_8));
    boolean keepOpen = b.bool("keepStdinOpen").orElse(false);
    String id = ctx.pathParam("id");
    String sid = ctx.pathParam("sid");
    // a paused sandbox is resumed before the command reaches its shell (or 409 with resume=false)
    boolean resumed = sandboxes.ready(id, "run a session command in", SandboxRoutes.resume(ctx)).resumed();
    ShellCommand c = commands.submit(id, sid, command, stdin, keepOpen, timeout, wait);
    ctx.header("Location", "/v1/sandboxes/" + id + "/sessions/" + sid + "/commands/" + c.id());
    Json.send(ctx, c.state().done() ? 200 : 202, withOutput(c).put("resumed", resumed));
  }

  private ObjectNode withOutput(ShellCommand c) {
    if (c.state() == dev.warren.shell.CommandState.QUEUED) {
      return ShellJson.command(c, Optional.of(new byte[0]), Optional.of(new byte[0]));
    }
    try {
      byte[][] heads = commands.heads(c, ShellService.INLINE_OUTPUT);
      return ShellJson.command(c, Optional.of(heads[0]), Optional.of(heads[1]));
    } catch (WarrenException e) {
      // the session ended: the job stands without its output
      return ShellJson.command(c, Optional.empty(), Optional.empty());
    }
  }

  private void getCommand(Context ctx) {
    double wait = Optional.ofNullable(ctx.queryParam("wait")).map(w -> parse("wait", w, 0, MAX_WAIT_SECONDS)).orElse(0.0);
    ShellCommand c = commands.await(ctx.pathParam("id"), ctx.pathParam("sid"), ctx.pathParam("cid"), Duration.ofMillis(Math.round(wait * 1000)));
    boolean output = !"false".equals(ctx.queryParam("output"));
    Json.send(ctx, 200, output ? withOutput(c) : ShellJson.command(c, Optional.empty(), Optional.empty()));
  }

  private static double parse(String field, String value, double min, double max) {
    try {
      double v = Double.parseDouble(value);
      if (!(v >= min && v <= max)) {
        throw WarrenException.invalid(field, field + " must be between " + (long) min + " and " + (long) max);
      }
      return v;
    } catch (NumberFormatException e) {
      throw WarrenException.invalid(field, field + " must be a number");
    }
  }

  private void logs(Context ctx) throws IOException {
    String id = ctx.pathParam("id");
    String sid = ctx.pathParam("sid");
    String cid = ctx.pathParam("cid");
    String stream = Optional.ofNullable(ctx.queryParam("stream")).orElse("stdout");
    long offset = Optional.ofNullable(ctx.queryParam("offset")).map(o -> (long) parse("offset", o, 0, Long.MAX_VALUE)).orElse(0L);
    String last = ctx.header("Last-Event-ID");
    if (last != null && last.matches("\\d{1,18}")) {
      offset = Long.parseLong(last);
    }
    boolean follow = "true".equals(ctx.queryParam("follow"));
    ShellCommand c = commands.get(id, sid, cid);
    if (follow) {
      String minter = LiveTokens.minter(ctx);
      new LogFollower(commands, id, sid, cid, stream, drain::draining, () -> !active.test(minter)).stream(ctx, offset);
      return;
    }
    try (ReadableFile ch = commands.output(id, sid, cid, stream)) {
      long size = ch.size();
      long from = Math.min(offset, size);
      long limit = Optional.ofNullable(ctx.queryParam("limit")).map(l -> (long) parse("limit", l, 1, Long.MAX_VALUE)).orElse(Long.MAX_VALUE);
      long to = limit >= size - from ? size : from + limit;
      ctx.status(200);
      ctx.res().setContentType("application/octet-stream");
      ctx.res().setContentLengthLong(to - from);
      ctx.res().setHeader("X-Warren-Offset", Long.toString(from));
      ctx.res().setHeader("X-Warren-Next-Offset", Long.toString(to));
      ctx.res().setHeader("X-Warren-Command-State", c.state().wire());
      OutputStream out = ctx.res().getOutputStream();
      ByteBuffer buf = ByteBuffer.allocate(1 << 16);
      long pos = from;
      while (pos < to) {
        buf.clear();
        buf.limit((int) Math.min(buf.capacity(), to - pos));
        int n = ch.read(buf, pos);
        if (n <= 0) {
          break;
        }
        out.write(buf.array(), 0, n);
        pos += n;
      }
      out.flush();
    }
  }

  static String base64(byte[] b, int n) {
    return Base64.getEncoder().encodeToString(n == b.length ? b : java.util.Arrays.copyOf(b, n));
  }
}
