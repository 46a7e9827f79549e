package dev.warren.client;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Optional;

/** {@link Volumes} over HTTP. Stateless apart from the shared transport; thread-safe. */
final class HttpVolumes implements Volumes {

  private final HttpTransport transport;

  HttpVolumes(HttpTransport transport) {
    this.transport = transport;
  }

  @Override
  public VolumeInfo create(String name, int sizeMb) {
    var body = new LinkedHashMap<String, Object>();
    body.put("name", Urls.volume(name));
    body.put("sizeMb", sizeMb);
    // a repeated create answers 409 for the volume the first one made: not retried
    return transport.sendJson(Call.post("/v1/volumes", Call.Retry.BEFORE_SEND).json(body), HttpVolumes::volume);
  }

  @Override
  public List<VolumeInfo> list() {
    return transport.sendJson(Call.get("/v1/volumes"), json -> JsonFields.of(json, "answer").list("volumes").stream()
        .map(HttpVolumes::volume).toList());
  }

  @Override
  public Optional<VolumeInfo> get(String name) {
    try {
      return Optional.of(transport.sendJson(Call.get("/v1/volumes/" + Urls.volume(name)), HttpVolumes::volume));
    } catch (NotFoundException e) {
      return Optional.empty();
    }
  }

  @Override
  public boolean delete(String name) {
    try {
      transport.send(Call.delete("/v1/volumes/" + Urls.volume(name)));
      return true;
    } catch (NotFoundException e) {
      return false;
    }
  }

  static VolumeInfo volume(Object json) {
    var f = JsonFields.of(json, "volume");
    List<VolumeInfo.Holder> holders = f.list("mountedBy").stream().map(h -> JsonFields.of(h, "mountedBy"))
        .map(h -> new VolumeInfo.Holder(h.string("sandboxId"), h.string("path"), h.bool("readOnly", false))).toList();
    return new VolumeInfo(f.string("name"), f.intValue("sizeMb"), f.optLong("usedBytes"), f.instant("createdAt"), holders,
        f.optString("problem"));
  }
}
