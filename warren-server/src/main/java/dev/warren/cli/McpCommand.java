package dev.warren.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import tools.jackson.databind.node.ObjectNode;

/** {@code warren mcp}: the snippet that adds this Warren to an MCP client's configuration (docs/mcp.md). */
@Command(name = "mcp", mixinStandardHelpOptions = true, description = {"Print the configuration that adds this Warren to an MCP client "
    + "(Claude, Cursor, …): Streamable HTTP at /mcp with the API token.", "The token is a credential: keep the file you paste it into private."})
final class McpCommand extends ApiConnection implements Callable<Integer> {
  @Option(names = "--claude", description = "print the `claude mcp add` command line instead of JSON")
  boolean claude;

  @Option(names = "--name", defaultValue = "warren", description = "the server's name in the client (default: warren)")
  String name;

  @Override
  public Integer call() throws Exception {
    String endpoint = url() + dev.warren.mcp.McpEndpoint.PATH;
    String bearer = "Bearer " + token();
    if (claude) {
      System.out.println("claude mcp add --transport http " + name + " " + endpoint + " --header 'Authorization: " + bearer + "'");
      return 0;
    }
    ObjectNode root = JSON.createObjectNode();
    root.putObject("mcpServers").putObject(name).put("type", "http").put("url", endpoint).putObject("headers").put("Authorization", bearer);
    print(root);
    return 0;
  }
}
