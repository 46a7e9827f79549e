package dev.warren.bench;

import com.sun.net.httpserver.HttpServer;
import dev.warren.testing.OutsideHost;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A small page for the browsers section, served by this JVM from a network namespace of its own
 * (an {@link OutsideHost}: a machine outside the host, since Warren's egress proxy refuses the
 * host's own addresses whatever the allow-list says). Sandboxed browsers reach it only through the
 * proxy, with {@link #allow()} in their allow-list; host Chromiums reach it directly over the veth.
 * Sets no cookies. Each request is answered on a virtual thread. {@link #close()} removes the
 * namespace.
 */
final class BrowserSite implements AutoCloseable {
  static final String TITLE = "Warren bench page";
  private static final byte[] PAGE = ("<!doctype html><html><head><title>" + TITLE + "</title></head><body>"
      + "<h1>Warren bench page</h1><p>" + "A small page for the browsers section. ".repeat(50) + "</p></body></html>")
      .getBytes(StandardCharsets.UTF_8);

  private final OutsideHost outside;
  private final HttpServer server;
  private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
  private final AtomicInteger requests = new AtomicInteger();

  BrowserSite() {
    outside = OutsideHost.create();
    try {
      server = outside.inside(() -> HttpServer.create(new InetSocketAddress(outside.address(), 0), 64));
    } catch (RuntimeException e) {
      outside.close();
      throw new IllegalStateException("cannot serve the bench page in " + outside.netns() + ": " + e.getMessage(), e);
    }
    server.setExecutor(executor);
    server.createContext("/", ex -> {
      requests.incrementAndGet();
      boolean page = ex.getRequestURI().getPath().equals("/");
      byte[] body = page ? PAGE : new byte[0];
      ex.getResponseHeaders().add("Content-Type", "text/html; charset=utf-8");
      ex.getResponseHeaders().add("Cache-Control", "no-store");
      ex.sendResponseHeaders(page ? 200 : 404, body.length == 0 ? -1 : body.length);
      if (body.length > 0) {
        ex.getResponseBody().write(body);
      }
      ex.close();
    });
    server.start();
  }

  String url() {
    return "http://" + outside.target(server.getAddress().getPort()) + "/";
  }

  /** The egress pattern that lets a sandbox reach this page. */
  String allow() {
    return outside.target(server.getAddress().getPort());
  }

  int requests() {
    return requests.get();
  }

  @Override
  public void close() {
    try {
      server.stop(0);
      executor.shutdownNow();
    } finally {
      outside.close();
    }
  }
}
