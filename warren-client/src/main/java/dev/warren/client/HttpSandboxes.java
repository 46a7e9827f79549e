package dev.warren.client;

import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;

/** {@link Sandboxes} over HTTP. Stateless apart from the shared transport; thread-safe. */
final class HttpSandboxes implements Sandboxes {

  private static final System.Logger LOG = System.getLogger("dev.warren.client");

  private final HttpTransport transport;

  HttpSandboxes(HttpTransport transport) {
    this.transport = transport;
  }

  @Override
  public Sandbox create(SandboxSpec spec) {
    Objects.requireNonNull(spec, "spec");
    // One key per logical create: every retry of this call carries it, so the server makes one sandbox.
    String key = UUID.randomUUID().toString();
    var call = Call.post("/v1/sandboxes", Call.Retry.IDEMPOTENT).json(Wire.spec(spec)).idempotencyKey(key);
    SandboxInfo info = transport.sendJson(call, Wire::sandbox);
    LOG.log(Level.DEBUG, "created sandbox {0} from image {1}", info.id(), info.image());
    return new HttpSandbox(transport, info.id(), info, true);
  }

  @Override
  public Optional<Sandbox> get(String id) {
    Urls.id("sandbox", id);
    try {
      SandboxInfo info = transport.sendJson(Call.get("/v1/sandboxes/" + id), Wire::sandbox);
      return Optional.of(new HttpSandbox(transport, id, info, false));
    } catch (NotFoundException e) {
      return Optional.empty();
    }
  }

  @Override
  public List<Sandbox> list(SandboxQuery query) {
    Objects.requireNonNull(query, "query");
    var params = new ArrayList<String>();
    new TreeMap<>(query.labels()).forEach((k, v) -> params.add("label=" + Urls.queryValue(k + "=" + v)));
    query.state().ifPresent(s -> params.add("state=" + s.wireName()));
    String path = "/v1/sandboxes" + (params.isEmpty() ? "" : "?" + String.join("&", params));
    return transport.sendJson(Call.get(path), Wire::sandboxes).stream()
        .map(info -> (Sandbox) new HttpSandbox(transport, info.id(), info, false))
        .toList();
  }

  @Override
  public boolean delete(String id) {
    Urls.id("sandbox", id);
    try {
      transport.send(Call.delete("/v1/sandboxes/" + id));
      return true;
    } catch (NotFoundException e) {
      return false;
    }
  }

  @Override
  public Sandbox attach(String id) {
    return attach(id, false);
  }

  @Override
  public Sandbox attach(String id, boolean deleteOnClose) {
    return new HttpSandbox(transport, Urls.id("sandbox", id), null, deleteOnClose);
  }
}
