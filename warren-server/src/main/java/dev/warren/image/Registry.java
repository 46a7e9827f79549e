package dev.warren.image;

import dev.warren.config.RegistrySettings;
import dev.warren.error.Problem;
import dev.warren.error.WarrenException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Pulls from an OCI distribution registry into an OCI image layout, which {@link ImageStore}
 * imports like an uploaded one: the manifest (for linux/amd64 when the reference names an index),
 * its config and layers, each checked against its digest as it is written. When the registry
 * challenges, bearer tokens are fetched (anonymously, or with the pull's credentials) or the
 * credentials are sent as Basic. Plain http and loopback or private
 * addresses only for the registries {@link RegistrySettings#insecure} lists (and the mirror):
 * a caller cannot point the controller at services on its own host or network.
 * Thread-safe; each pull is its own set of requests.
 */
public final class Registry {
  private static final Duration TIMEOUT = Duration.ofSeconds(30);
  private static final String ACCEPT = String.join(", ", "application/vnd.oci.image.index.v1+json",
      "application/vnd.oci.image.manifest.v1+json", "application/vnd.docker.distribution.manifest.list.v2+json",
      "application/vnd.docker.distribution.manifest.v2+json");
  private static final Pattern CHALLENGE = Pattern.compile("(\\w+)=\"([^\"]*)\"");

  private final RegistrySettings settings;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(TIMEOUT).followRedirects(HttpClient.Redirect.NEVER).build();

  public Registry(RegistrySettings settings) {
    this.settings = settings;
  }

  /** A parsed {@code [host[:port]/]repository[:tag|@digest]}; Docker Hub when no host, {@code library/} for one-part names. */
  public record Reference(String host, String repository, String reference) {
    public static Reference parse(String field, String s) {
      String shown = s.length() > 120 ? s.substring(0, 120) + "…" : s;
      Matcher m = Pattern.compile("(?:([A-Za-z0-9.-]+(?::[0-9]+)?|localhost(?::[0-9]+)?)/)?([a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
          + "(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*)(?::([A-Za-z0-9_][A-Za-z0-9._-]{0,127}))?(?:@(sha256:[0-9a-f]{64}))?").matcher(s);
      if (!m.matches()) {
        throw WarrenException.invalid(field, field + " must be a registry reference such as docker.io/library/python:3.12 or "
            + "registry.example:5000/team/app@sha256:…, got '" + shown + "'");
      }
      String host = m.group(1);
      String repo = m.group(2);
      if (host != null && !host.contains(".") && !host.contains(":") && !host.startsWith("localhost")) {
        repo = host + "/" + repo; // "team/app": a name, not a host
        host = null;
      }
      if (host == null || host.equals("docker.io") || host.equals("index.docker.io")) {
        host = "registry-1.docker.io";
        repo = repo.contains("/") ? repo : "library/" + repo;
      }
      String ref = m.group(4) != null ? m.group(4) : m.group(3) != null ? m.group(3) : "latest";
      return new Reference(host, repo, ref);
    }

    @Override
    public String toString() {
      return host + "/" + repository + (reference.startsWith("sha256:") ? "@" : ":") + reference;
    }
  }

  /** Writes the image {@code ref} names as an OCI layout in {@code layout}, at most {@code limit} bytes of blobs. */
  public void pull(Reference ref, Path layout, long limit) throws IOException {
    pull(ref, layout, limit, Optional.empty());
  }

  /**
   * As {@link #pull(Reference, Path, long)}, giving the registry {@code credentials} when it asks
   * for them (else those {@code WARREN_REGISTRY_AUTH} lists for its host). They go only to the
   * registry and the token service it names, never to a redirect's target, and are kept nowhere.
   */
  public void pull(Reference ref, Path layout, long limit, Optional<RegistrySettings.Credentials> credentials) throws IOException {
    URI base = base(ref);
    Session s = new Session(ref, base, credentials.or(() -> settings.credentialsFor(base.getAuthority())));
    Files.createDirectories(layout.resolve("blobs/sha256"));
    Fetched top = s.manifest(ref.reference());
    JsonNode manifest = json(top.body(), ref);
    String digest = top.digest();
    String media = manifest.path("mediaType").asString(top.mediaType());
    if (media.contains("index") || media.contains("manifest.list")) {
      Files.write(layout.resolve("blobs/sha256/" + digest.substring(7)), top.body());
      String chosen = null;
      for (JsonNode m : manifest.path("manifests")) {
        JsonNode p = m.path("platform");
        if ("linux".equals(p.path("os").asString("")) && "amd64".equals(p.path("architecture").asString(""))) {
          chosen = m.path("digest").asString("");
          break;
        }
      }
      if (chosen == null) {
        throw WarrenException.invalid("reference", "the image " + ref + " has no manifest for linux/amd64");
      }
      Fetched one = s.manifest(chosen);
      manifest = json(one.body(), ref);
      digest = one.digest();
      media = manifest.path("mediaType").asString(one.mediaType());
      top = one;
    }
    Files.write(layout.resolve("blobs/sha256/" + digest.substring(7)), top.body());
    long[] budget = {limit};
    s.blob(manifest.path("config").path("digest").asString(""), layout, budget);
    for (JsonNode l : manifest.path("layers")) {
      s.blob(l.path("digest").asString(""), layout, budget);
    }
    ObjectNode index = ImageArchive.JSON.createObjectNode();
    index.put("schemaVersion", 2);
    index.putArray("manifests").addObject().put("mediaType", media).put("digest", digest).put("size", top.body().length);
    Files.writeString(layout.resolve("index.json"), index.toString());
    Files.writeString(layout.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
  }

  private static JsonNode json(byte[] body, Reference ref) {
    try {
      return ImageArchive.JSON.readTree(body);
    } catch (tools.jackson.core.JacksonException e) {
      throw new WarrenException(Problem.UNAVAILABLE, "the registry answered a manifest of " + ref + " that is not JSON: " + e.getOriginalMessage());
    }
  }

  /** Where the registry of {@code ref} is asked: the mirror, else the host over https (http when insecure). */
  private URI base(Reference ref) {
    if (settings.mirror().isPresent()) {
      return settings.mirror().get();
    }
    boolean insecure = settings.insecure().contains(ref.host());
    if (!insecure) {
      requirePublic(ref.host().replaceAll(":[0-9]+$", ""), "the registry " + ref.host(), "list it in WARREN_REGISTRY_INSECURE to pull from it");
    }
    return URI.create((insecure ? "http://" : "https://") + ref.host());
  }

  /** Refuses a host on a loopback, link-local or private address: 400 naming the reference. */
  private static void requirePublic(String host, String what, String remedy) {
    try {
      for (InetAddress a : InetAddress.getAllByName(host)) {
        if (a.isLoopbackAddress() || a.isLinkLocalAddress() || a.isSiteLocalAddress() || a.isAnyLocalAddress() || a.isMulticastAddress()) {
          throw WarrenException.invalid("reference", what + " is on a loopback or private address (" + a.getHostAddress() + ")"
              + (remedy.isEmpty() ? "" : "; " + remedy));
        }
      }
    } catch (java.net.UnknownHostException e) {
      throw new WarrenException(Problem.UNAVAILABLE, what + " does not resolve: " + e.getMessage(), e);
    }
  }

  private record Fetched(byte[] body, String digest, String mediaType) {}

  /** The requests of one pull, with the token the registry handed out. */
  private final class Session {
    private final Reference ref;
    private final URI base;
    private final boolean trusted;
    private final Optional<RegistrySettings.Credentials> credentials;
    /** The Authorization header every request to the registry carries once it asked for one. */
    private Optional<String> authorization = Optional.empty();

    Session(Reference ref, URI base, Optional<RegistrySettings.Credentials> credentials) {
      this.ref = ref;
      this.base = base;
      this.trusted = settings.mirror().isPresent() || settings.insecure().contains(ref.host());
      this.credentials = credentials;
    }

    /** Where a trusted registry sends the pull (its token service, a blob's CDN) may be anywhere; an untrusted one's must be public. */
    private void check(URI to) {
      if (!trusted) {
        if (!"https".equals(to.getScheme())) {
          throw new WarrenException(Problem.UNAVAILABLE, "the registry " + ref.host() + " sent the pull to " + to.getScheme() + "://" + to.getHost()
              + ", not https: refused");
        }
        requirePublic(to.getHost(), "the registry " + ref.host() + " sent the pull to " + to.getHost() + ", which", "");
      }
    }

    Fetched manifest(String reference) throws IOException {
      HttpResponse<byte[]> r = send(path("manifests/" + reference), ACCEPT, HttpResponse.BodyHandlers.ofByteArray());
      if (r.statusCode() == 404) {
        throw new WarrenException(Problem.NOT_FOUND, "the registry " + base + " has no image " + ref.repository() + " " + reference);
      }
      check(r, "the manifest " + reference);
      if (r.body().length > 4 << 20) {
        throw new WarrenException(Problem.UNAVAILABLE, "the manifest of " + ref + " is over 4 MiB");
      }
      String digest = "sha256:" + ImageArchive.sha256(r.body());
      String said = reference.startsWith("sha256:") ? reference : r.headers().firstValue("Docker-Content-Digest").orElse(digest);
      if (!said.equals(digest)) {
        throw new WarrenException(Problem.UNAVAILABLE, "the manifest of " + ref + " from " + base + " is " + digest + ", not " + said
            + " as the registry says");
      }
      return new Fetched(r.body(), digest, r.headers().firstValue("Content-Type").orElse("").replaceAll(";.*", "").strip());
    }

    void blob(String digest, Path layout, long[] budget) throws IOException {
      if (!digest.matches("sha256:[0-9a-f]{64}")) {
        throw new WarrenException(Problem.UNAVAILABLE, "the manifest of " + ref + " names a blob '" + digest + "', not a sha256 digest");
      }
      Path to = layout.resolve("blobs/sha256/" + digest.substring(7));
      if (Files.exists(to)) {
        return;
      }
      URI at = path("blobs/" + digest);
      HttpResponse<InputStream> r = send(at, "*/*", HttpResponse.BodyHandlers.ofInputStream());
      for (int hops = 0; r.statusCode() / 100 == 3 && hops < 5; hops++) {
        r.body().close();
        // a blob is often served from elsewhere (a CDN) with its own signed URL: the token is not sent there
        URI next = at.resolve(r.headers().firstValue("Location").orElseThrow(() -> new IOException("a redirect without a Location")));
        check(next);
        r = sendRaw(HttpRequest.newBuilder(next).timeout(Duration.ofMinutes(10)).GET().build(), HttpResponse.BodyHandlers.ofInputStream());
      }
      if (r.statusCode() != 200) {
        r.body().close();
        throw new WarrenException(Problem.UNAVAILABLE, "the registry " + base + " answered " + r.statusCode() + " for the blob " + digest + " of " + ref);
      }
      MessageDigest sha = ImageArchive.digest();
      try (InputStream in = new ImageArchive.Limited(r.body(), budget[0]);
          OutputStream out = new DigestOutputStream(Files.newOutputStream(to), sha)) {
        budget[0] -= in.transferTo(out);
      }
      String got = "sha256:" + HexFormat.of().formatHex(sha.digest());
      if (!got.equals(digest)) {
        Files.delete(to);
        throw new WarrenException(Problem.UNAVAILABLE, "the blob " + digest + " of " + ref + " from " + base + " arrived as " + got
            + ": refused");
      }
    }

    private URI path(String rest) {
      return URI.create(base + "/v2/" + ref.repository() + "/" + rest);
    }

    private <T> HttpResponse<T> send(URI uri, String accept, HttpResponse.BodyHandler<T> body) throws IOException {
      HttpResponse<T> r = sendRaw(request(uri, accept), body);
      if (r.statusCode() == 401 && authorization.isEmpty()) {
        String challenge = r.headers().firstValue("WWW-Authenticate").orElse("");
        close(r);
        authorization = Optional.of(authorize(challenge));
        r = sendRaw(request(uri, accept), body);
      }
      if (r.statusCode() == 401 || r.statusCode() == 403) {
        close(r);
        throw refused(r.statusCode());
      }
      return r;
    }

    private HttpRequest request(URI uri, String accept) {
      HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(Duration.ofMinutes(10)).header("Accept", accept).GET();
      authorization.ifPresent(a -> b.header("Authorization", a));
      return b.build();
    }

    /** 403 naming what to do: the credentials were refused, or there were none and the registry wants some. */
    private WarrenException refused(int status) {
      return credentials.isPresent()
          ? new WarrenException(Problem.FORBIDDEN, "the registry " + base + " refused the credentials for " + ref.repository() + " (" + status
              + "): check credentials.username and credentials.password, or the entry of " + base.getAuthority() + " in WARREN_REGISTRY_AUTH")
          : new WarrenException(Problem.FORBIDDEN, "the registry " + base + " wants credentials for " + ref.repository() + " (" + status
              + "), or has no such repository: give credentials.username and credentials.password in the pull, or list the registry in "
              + "WARREN_REGISTRY_AUTH");
    }

    /**
     * The Authorization header a challenge asks for: {@code Basic} with the credentials, or a
     * {@code Bearer} token from the realm it names (anonymous, or fetched with the credentials).
     */
    private String authorize(String challenge) throws IOException {
      if (challenge.regionMatches(true, 0, "Basic", 0, 5)) {
        return credentials.orElseThrow(() -> refused(401)).basic();
      }
      return "Bearer " + token(challenge);
    }

    /** A token from the realm the challenge names ({@code Bearer realm="…",service="…",scope="…"}). */
    private String token(String challenge) throws IOException {
      if (!challenge.regionMatches(true, 0, "Bearer ", 0, 7)) {
        throw new WarrenException(Problem.UNAVAILABLE, "the registry " + base + " asks for an authentication Warren does not speak ("
            + challenge + "); it speaks Basic and Bearer");
      }
      Map<String, String> params = new LinkedHashMap<>();
      Matcher m = CHALLENGE.matcher(challenge);
      while (m.find()) {
        params.put(m.group(1), m.group(2));
      }
      String realm = params.getOrDefault("realm", "");
      if (!realm.matches("https?://\\S+")) {
        throw new WarrenException(Problem.UNAVAILABLE, "the registry " + base + " names no token realm in its challenge: " + challenge);
      }
      check(URI.create(realm));
      StringBuilder q = new StringBuilder(realm).append(realm.contains("?") ? "&" : "?");
      q.append("service=").append(URLEncoder.encode(params.getOrDefault("service", ""), StandardCharsets.UTF_8));
      q.append("&scope=").append(URLEncoder.encode(params.getOrDefault("scope", "repository:" + ref.repository() + ":pull"), StandardCharsets.UTF_8));
      HttpRequest.Builder tokenRequest = HttpRequest.newBuilder(URI.create(q.toString())).timeout(TIMEOUT).GET();
      credentials.ifPresent(c -> tokenRequest.header("Authorization", c.basic()));
      HttpResponse<byte[]> r = sendRaw(tokenRequest.build(), HttpResponse.BodyHandlers.ofByteArray());
      if (r.statusCode() == 401 || r.statusCode() == 403) {
        throw refused(r.statusCode());
      }
      check(r, "a token");
      JsonNode n = json(r.body(), ref);
      String t = n.path("token").asString(n.path("access_token").asString(""));
      if (t.isEmpty()) {
        throw new WarrenException(Problem.UNAVAILABLE, "the token service " + realm + " answered no token");
      }
      return t;
    }

    private <T> HttpResponse<T> sendRaw(HttpRequest req, HttpResponse.BodyHandler<T> body) throws IOException {
      try {
        return http.send(req, body);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted", e);
      } catch (IOException e) {
        throw new WarrenException(Problem.UNAVAILABLE, "cannot reach the registry at " + req.uri().getHost() + ": " + e, e);
      }
    }

    private void check(HttpResponse<byte[]> r, String what) {
      if (r.statusCode() != 200) {
        throw new WarrenException(Problem.UNAVAILABLE, "the registry " + base + " answered " + r.statusCode() + " for " + what + " of " + ref);
      }
    }

    private static void close(HttpResponse<?> r) throws IOException {
      if (r.body() instanceof InputStream in) {
        in.close();
      }
    }
  }
}
