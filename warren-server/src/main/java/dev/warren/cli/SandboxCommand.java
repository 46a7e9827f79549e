package dev.warren.cli;

import dev.warren.client.ExecResult;
import dev.warren.client.Sandbox;
import dev.warren.client.SandboxInfo;
import dev.warren.client.SandboxSpec;
import dev.warren.client.Warren;
import dev.warren.config.Config;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** Sandbox commands, built on the Java SDK against the server of this data directory (or --url). */
@Command(name = "sandbox", aliases = "sbx", description = "Create, list, run commands in and delete sandboxes.",
    subcommands = {SandboxCommand.Create.class, SandboxCommand.Ls.class, SandboxCommand.Exec.class, SandboxCommand.Rm.class})
final class SandboxCommand implements Runnable {
  @Override
  public void run() {
    new Ls().run();
  }

  static class Connection {
    @Option(names = "--url", description = "server URL (default: http://WARREN_LISTEN)")
    String url;

    @Option(names = "--token", description = "API token (default: $WARREN_DATA/token)")
    String token;

    Warren connect() throws java.io.IOException {
      Config c = CliConfig.load();
      String u = url != null ? url : "http://" + c.listen().getAddress().getHostAddress() + ":" + c.listen().getPort();
      String t = token != null ? token : Files.readString(c.dataDir().resolve("token")).strip();
      return Warren.connect(u, t);
    }
  }

  @Command(name = "create", description = "Create a sandbox and print its id.")
  static final class Create extends Connection implements Callable<Integer> {
    @Option(names = "--image", defaultValue = "base")
    String image;

    @Option(names = "--label", description = "k=v, repeatable")
    List<String> labels = List.of();

    @Override
    public Integer call() throws Exception {
      try (Warren w = connect()) {
        SandboxSpec.Builder b = SandboxSpec.builder().image(image);
        for (String l : labels) {
          int eq = l.indexOf('=');
          b.label(l.substring(0, Math.max(eq, 0)), l.substring(eq + 1));
        }
        Sandbox s = w.sandboxes().create(b.build());
        // the handle is not closed: the sandbox outlives the CLI
        System.out.println(s.id());
        return 0;
      }
    }
  }

  @Command(name = "ls", description = "List sandboxes.")
  static final class Ls extends Connection implements Runnable {
    @Override
    public void run() {
      try (Warren w = connect()) {
        System.out.printf("%-31s %-9s %-6s %-4s %-15s %s%n", "ID", "STATE", "IMAGE", "GEN", "ADDRESS", "CREATED");
        for (Sandbox handle : w.sandboxes().list()) {
          SandboxInfo s = handle.info();
          System.out.printf("%-31s %-9s %-6s %-4d %-15s %s%n", s.id(), s.state().name().toLowerCase(), s.image(), s.generation(),
              s.address().orElse("-"), s.createdAt());
        }
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }
  }

  @Command(name = "exec", description = "Run a shell command in a sandbox and print its output.")
  static final class Exec extends Connection implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "SANDBOX")
    String id;

    @Parameters(index = "1..*", paramLabel = "COMMAND")
    List<String> command;

    @Override
    public Integer call() throws Exception {
      try (Warren w = connect()) {
        ExecResult r = w.sandboxes().attach(id).exec(String.join(" ", command));
        // the bytes as the command wrote them (binary output arrives as base64 and is decoded)
        System.out.write(r.stdoutRaw());
        System.out.flush();
        System.err.write(r.stderrRaw());
        System.err.flush();
        if (r.truncated()) {
          System.err.println("warren: output cut (" + r.stdoutSize() + " bytes of stdout, " + r.stderrSize()
              + " of stderr); run the command in a session for all of it");
        }
        return r.exitCode();
      }
    }
  }

  @Command(name = "rm", description = "Delete sandboxes.")
  static final class Rm extends Connection implements Callable<Integer> {
    @Parameters(paramLabel = "SANDBOX", arity = "1..*")
    List<String> ids;

    @Override
    public Integer call() throws Exception {
      try (Warren w = connect()) {
        for (String id : ids) {
          w.sandboxes().delete(id);
        }
        return 0;
      }
    }
  }

}
