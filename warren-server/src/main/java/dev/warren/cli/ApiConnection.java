package dev.warren.cli;

import dev.warren.client.Warren;
import dev.warren.config.Config;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Option;
import tools.jackson.databind.json.JsonMapper;

/**
 * The options of commands that call a running Warren: {@code --url}, {@code --token} (default: this
 * data directory's address and token) and {@code --output text|json}. Extended by each such command.
 */
class ApiConnection {
  static final JsonMapper JSON = JsonMapper.builder().build();

  /** How a command prints what it got. */
  enum Output { text, json }

  @Option(names = "--url", description = "server URL (default: the address in $WARREN_DATA/listen, else http://WARREN_LISTEN)")
  String url;

  @Option(names = "--token", description = "API token (default: $WARREN_DATA/token)")
  String token;

  @Option(names = {"-o", "--output"}, defaultValue = "text", description = "text (default) or json, for scripts")
  Output output;

  boolean json() {
    return output == Output.json;
  }

  Warren connect() throws IOException {
    return Warren.connect(url(), token());
  }

  String url() {
    if (url != null) {
      return url.replaceAll("/+$", "");
    }
    Config c = CliConfig.load();
    try {
      Path f = c.dataDir().resolve("listen");
      if (Files.exists(f)) {
        return "http://" + Files.readString(f).strip();
      }
    } catch (IOException ignored) {
      // fall back to the setting
    }
    return "http://" + c.listen().getAddress().getHostAddress() + ":" + c.listen().getPort();
  }

  String token() throws IOException {
    return token != null ? token : Files.readString(CliConfig.load().dataDir().resolve("token")).strip();
  }

  static void print(Object json) {
    System.out.println(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(json));
  }
}
