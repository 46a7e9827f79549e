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
 * BrowserTools}) call the HTTP API over loopback with the caller's token. Tool handlers run on the
 * request's virtual thread ({@code immediateExecution}): blocking is fine. Close once, at shutdown.
 */
public final class McpEndpoint implements AutoCloseable {
  public static final String PATH = "/mcp";
  /** The transport-context key under which a request's Authorization header reaches the tools. */
  static final String AUTHORIZATION = "authorization";

  private final HttpServletStreamableServerTransportProvider transport;
  private final McpSyncServer server;

  /** {@code api}: where the API answers on loopback (known once it listens). */
  public McpEndpoint(Supplier<URI> api, String version) {
    JacksonMcpJsonMapper json = new JacksonMcpJsonMapper(JsonMapper.builder().build());
    this.transport = HttpServletStreamableServerTransportProvider.builder().jsonMapper(json).mcpEndpoint(PATH)
        // Origin/Host checks guard servers that trust a browser's ambient credentials; every call here carries a bearer token
        .securityValidator(ServerTransportSecurityValidator.NOOP)
        .contextExtractor(req -> McpTransportContext.create(Map.of(AUTHORIZATION, authorization(req.getHeader("Authorization"),
            req.getParameter("token")))))
        .keepAliveInterval(Duration.ofSeconds(30))
        .build();
    LoopbackApi loopback = new LoopbackApi(api);
    List<ToolDef> tools = new ArrayList<>(SandboxTools.all(loopback));
    tools.addAll(BrowserTools.all(loopback));
    this.server = McpServer.sync(transport).serverInfo("warren", version).jsonMapper(json).immediateExecution(true)
        .requestTimeout(Duration.ofMinutes(10))
        .instructions("""
            Warren runs isolated Linux sandboxes and Chromium browsers for you. Create a sandbox (sandbox_create), run \
            commands in it (sandbox_exec, or session_create + session_run for a shell whose state persists), read and \
            write its files, and delete it when done. Browsers: browser_create, then navigate, click, type, read text, \
            take screenshots; browser_handoff asks a person to take over (a login) and waits for them.""")
        .capabilities(McpSchema.ServerCapabilities.builder().tools(false).build())
        .tools(tools.stream().map(ToolDef::spec).toList())
        .build();
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
    transport.service(ctx.req(), ctx.res());
  }

  @Override
  public void close() {
    server.closeGracefully();
  }
}
