package dev.warren.client;

import java.util.List;
import java.util.Optional;

/** {@link Snapshots} over HTTP. Stateless apart from the shared transport; thread-safe. */
final class HttpSnapshots implements Snapshots {

  private final HttpTransport transport;

  HttpSnapshots(HttpTransport transport) {
    this.transport = transport;
  }

  @Override
  public List<SnapshotInfo> list() {
    return transport.sendJson(Call.get("/v1/snapshots"),
        json -> JsonFields.of(json, "answer").list("snapshots").stream().map(SnapshotInfo::fromJson).toList());
  }

  @Override
  public Optional<SnapshotInfo> get(String idOrName) {
    try {
      return Optional.of(transport.sendJson(Call.get(path(idOrName)), SnapshotInfo::fromJson));
    } catch (NotFoundException e) {
      return Optional.empty();
    }
  }

  @Override
  public boolean delete(String idOrName) {
    try {
      transport.send(Call.delete(path(idOrName)));
      return true;
    } catch (NotFoundException e) {
      return false;
    }
  }

  private static final java.util.regex.Pattern REF = java.util.regex.Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

  /** A snapshot id or name, checked by the server's rule before it becomes a path segment. */
  static String ref(String idOrName) {
    java.util.Objects.requireNonNull(idOrName, "snapshot");
    if (!REF.matcher(idOrName).matches()) {
      throw new IllegalArgumentException("a snapshot id or name is 1-64 letters, digits, '.', '_' or '-', got '" + idOrName + "'");
    }
    return idOrName;
  }

  private static String path(String idOrName) {
    return "/v1/snapshots/" + ref(idOrName);
  }
}
