package dev.warren.preview;

import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import java.io.IOException;
import java.util.Collections;
import java.util.Enumeration;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Runs before the router. A request for a preview host ({@link PreviewHosts}) is given the internal
 * path {@code /v1/preview-hosts/{id}/{port}/…} and marked as such (a mark callers cannot set), so
 * nothing on a preview host reaches Warren's own API or dashboard. A WebSocket upgrade on a preview
 * path has its {@code Sec-WebSocket-Version} hidden from the router (which would take it for one of
 * Warren's own sockets) and kept in an attribute for the app. Stateless.
 */
public final class PreviewFilter implements Filter {
  /** The internal path prefix of preview-host requests. */
  public static final String HOST_PATH = "/v1/preview-hosts/";
  /** Request attribute: the request came to a preview host (set only here). */
  public static final String VIA_HOST = "warren.preview.viaHost";
  private static final Pattern PREVIEW_PATH = Pattern.compile("^/v1/(sandboxes/[^/]+/ports/[^/]+|previews/[^/]+)(/.*)?$");

  private final PreviewHosts hosts;

  public PreviewFilter(PreviewHosts hosts) {
    this.hosts = hosts;
  }

  @Override
  public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain) throws IOException, ServletException {
    HttpServletRequest r = (HttpServletRequest) request;
    Optional<PreviewHosts.Port> host = hosts.match(r.getServerName());
    if (host.isPresent()) {
      r.setAttribute(VIA_HOST, host.get());
      chain.doFilter(new Rewritten(r, HOST_PATH + host.get().sandboxId() + "/" + host.get().port() + r.getRequestURI()), response);
    } else if (r.getHeader("Sec-WebSocket-Version") != null && PREVIEW_PATH.matcher(r.getRequestURI()).matches()) {
      chain.doFilter(new Rewritten(r, r.getRequestURI()), response);
    } else {
      chain.doFilter(request, response);
    }
  }

  /** The request under another path, its WebSocket version moved to {@link PreviewProxy#WS_VERSION}. */
  private static final class Rewritten extends HttpServletRequestWrapper {
    private final String uri;

    Rewritten(HttpServletRequest r, String uri) {
      super(r);
      this.uri = uri;
      if (r.getHeader("Sec-WebSocket-Version") != null) {
        r.setAttribute(PreviewProxy.WS_VERSION, r.getHeader("Sec-WebSocket-Version"));
      }
    }

    private static boolean hidden(String name) {
      return name.equalsIgnoreCase("Sec-WebSocket-Version");
    }

    @Override
    public String getHeader(String name) {
      return hidden(name) ? null : super.getHeader(name);
    }

    @Override
    public Enumeration<String> getHeaders(String name) {
      return hidden(name) ? Collections.emptyEnumeration() : super.getHeaders(name);
    }

    @Override
    public Enumeration<String> getHeaderNames() {
      return Collections.enumeration(Collections.list(super.getHeaderNames()).stream().filter(n -> !hidden(n)).toList());
    }

    @Override
    public String getRequestURI() {
      return uri;
    }

    @Override
    public StringBuffer getRequestURL() {
      return new StringBuffer(getScheme() + "://" + getHeader("Host") + uri);
    }

    @Override
    public String getServletPath() {
      return "";
    }

    @Override
    public String getPathInfo() {
      return uri;
    }
  }
}
