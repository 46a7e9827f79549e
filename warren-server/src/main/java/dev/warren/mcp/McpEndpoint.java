package dev.warren.mcp;

import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.modelcontextprotocol.common.McpTransportContext;
import io.modelcontextprotocol.json.jackson3.JacksonMcpJsonMapper;
import io.modelcontextprotocol.server.McpServer;
import io.modelcontextprotocol.server.McpSyncServer;
import io.modelcontextprotocol.server.transport.HttpServletStreamableServerTransportProvider;
import io.modelcontextprotocol.server.transport.ServerTransportSecurityValidator;
import io.modelcontextprotocol.spec.McpSchema;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import tools.jackson.databind.json.JsonMapper;

/**
 * Warren as an MCP server: Streamable HTTP at {@code /mcp}, the official Java SDK's servlet
 * transport called from Javalin's routes, so the API's own gate (bearer token or named token, rate
 * limit, audit, drain at shutdown) runs first. The tools ({@link SandboxTools}, {@link
 * BrowserTools}, {@link ComputerTools}) call the HTTP API over loopback with the caller's token. Tool handlers run on the
 * request's virtual thread ({@code immediateExecution}): blocking is fine. The SDK's server is built
 * once, by {@link #warmUp} or the first call, whichever comes first (under a lock; read without one
 * once built). Close once, at shutdown.
 */
public final class McpEndpoint implements AutoCloseable {
  public static final String PATH = "/mcp";
  /** The transport-context key under which a request's Authorization header reaches the tools. */
  static final String AUTHORIZATION = "authorization";

  private final Supplier<URI> api;
  private final String version;
  private final Object lock = new Object();
  private volatile Built built;
  private boolean closed;

  /** The SDK's transport and server, built on first use: some 0.4 s of CPU a start need not wait for. */
  private record Built(HttpServletStreamableServerTransportProvider transport, McpSyncServer server) {}

  /** {@code api}: where the API answers on loopback (known once it listens). */
  public McpEndpoint(Supplier<URI> api, String version) {
    this.api = api;
    this.version = version;
  }

  /**
   * Builds the server in the background now (the controller calls it once it serves), so that the
   * first MCP call does not pay for it either.
   */
  public void warmUp() {
    Thread.ofVirtual().name("mcp-warm-up").start(() -> {
      try {
        built();
      } catch (RuntimeException e) {
        // the first call builds it again and answers the error
      }
    });
  }

  private Built built() {
    Built b = built;
    if (b != null) {
      return b;
    }
    synchronized (lock) {
      if (closed) {
        throw new IllegalStateException("the MCP endpoint is closed");
      }
      if (built == null) {
        built = build();
      }
      return built;
    }
  }

  private Built build() {
    JacksonMcpJsonMapper json = new JacksonMcpJsonMapper(JsonMapper.builder().build());
    HttpServletStreamableServerTransportProvider transport = HttpServletStreamableServerTransportProvider.builder().jsonMapper(json)
        .mcpEndpoint(PATH)
        // Origin/Host checks guard servers that trust a browser's ambient credentials; every call here carries a bearer token
        .securityValidator(ServerTransportSecurityValidator.NOOP)
        .contextExtractor(req -> McpTransportContext.create(Map.of(AUTHORIZATION, authorization(req.getHeader("Authorization"),
            req.getParameter("token")))))
        .keepAliveInterval(Duration.ofSeconds(30))
        .build();
    LoopbackApi loopback = new LoopbackApi(api);
    List<ToolDef> tools = new ArrayList<>(SandboxTools.all(loopback));
    tools.addAll(BrowserTools.all(loopback));
    tools.addAll(ComputerTools.all(loopback));
    tools.addAll(VolumeTools.all(loopback));
    tools.addAll(ImageTools.all(loopback));
    McpSyncServer server = McpServer.sync(transport).serverInfo("warren", version).jsonMapper(json).immediateExecution(true)
        .requestTimeout(Duration.ofMinutes(10))
        .instructions("""
            Warren runs isolated Linux sandboxes and Chromium browsers for you. Create a sandbox (sandbox_create), run \
            commands in it (sandbox_exec, or session_create + session_run for a shell whose state persists), read and \
            write its files, and delete it when done; image_list shows the images it can be made from, image_pull adds one             from a registry. Browsers: browser_create, then navigate, click, type, read text, \
            take screenshots; browser_handoff asks a person to take over (a login) and waits for them. For computer use by \
            coordinates (screenshot, click at x,y, type, keys), browser_computer_actions drives a browser's page and \
            sandbox_desktop_actions the desktop of a sandbox created with one.""")
        .capabilities(McpSchema.ServerCapabilities.builder().tools(false).build())
        .tools(tools.stream().map(ToolDef::spec).toList())
        .build();
    return new Built(transport, server);
  }

  private static String authorization(String header, String queryToken) {
    return header != null ? header : "Bearer " + (queryToken == null ? "" : queryToken);
  }

  /** POST (messages), GET (the server's stream) and DELETE (end a session) of {@code /mcp}. */
  public void register(RoutesConfig r) {
    r.post(PATH, this::service);
    r.get(PATH, this::service);
    r.delete(PATH, this::service);
  }

  private void service(Context ctx) throws Exception {
    built().transport().service(ctx.req(), ctx.res());
  }

  @Override
  public void close() {
    Built b;
    synchronized (lock) {
      closed = true;
      b = built;
    }
    if (b != null) {
      b.server().closeGracefully();
    }
  }
}
