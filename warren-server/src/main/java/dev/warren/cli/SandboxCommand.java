package dev.warren.cli;

import dev.warren.client.ExecResult;
import dev.warren.client.Sandbox;
import dev.warren.client.SandboxInfo;
import dev.warren.client.SandboxSpec;
import dev.warren.client.Warren;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** Sandbox commands, built on the Java SDK against the server of this data directory (or --url). */
@Command(name = "sandbox", mixinStandardHelpOptions = true, aliases = "sbx", description = "Create, list, run commands in and delete sandboxes.",
    subcommands = {SandboxCommand.Create.class, SandboxCommand.Ls.class, SandboxCommand.Exec.class, SandboxCommand.Rm.class})
final class SandboxCommand implements Runnable {
  @Override
  public void run() {
    new Ls().run();
  }

  @Command(name = "create", mixinStandardHelpOptions = true, description = "Create a sandbox and print its id.")
  static final class Create extends ApiConnection implements Callable<Integer> {
    @Option(names = "--image", defaultValue = "base")
    String image;

    @Option(names = "--label", description = "k=v, repeatable")
    List<String> labels = List.of();

    @Option(names = "--runtime", description = "crun (a container) or microvm (a virtual machine); the server's WARREN_RUNTIME by default")
    String runtime;

    @Option(names = "--volume", paramLabel = "NAME:PATH[:ro]", description = "mount a volume at an absolute path (read-only with :ro); repeatable")
    List<String> volumes = List.of();

    @Override
    public Integer call() throws Exception {
      try (Warren w = connect()) {
        SandboxSpec.Builder b = SandboxSpec.builder().image(image);
        if (runtime != null) {
          b.runtime(runtime);
        }
        for (String l : labels) {
          int eq = l.indexOf('=');
          b.label(l.substring(0, Math.max(eq, 0)), l.substring(eq + 1));
        }
        for (String v : volumes) {
          String[] parts = v.split(":", -1);
          if (parts.length < 2 || parts.length > 3 || (parts.length == 3 && !parts[2].equals("ro"))) {
            throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this), "--volume takes NAME:PATH or NAME:PATH:ro, got '" + v + "'");
          }
          b.volume(parts[0], parts[1], parts.length == 3);
        }
        Sandbox s = w.sandboxes().create(b.build());
        // the handle is not closed: the sandbox outlives the CLI
        if (json()) {
          print(SandboxJson.of(s.info()));
        } else {
          System.out.println(s.id());
        }
        return 0;
      }
    }
  }

  @Command(name = "ls", mixinStandardHelpOptions = true, description = "List sandboxes (a browser session's own are marked).")
  static final class Ls extends ApiConnection implements Runnable {
    @Option(names = "--label", paramLabel = "K=V", description = "only those with this label; repeatable")
    List<String> labels = List.of();

    @Option(names = "--state", description = "only those in this state: creating, starting, running, stopping, stopped, failed")
    String state;

    @Override
    public void run() {
      try (Warren w = connect()) {
        dev.warren.client.SandboxQuery q = dev.warren.client.SandboxQuery.all();
        for (String l : labels) {
          int eq = l.indexOf('=');
          if (eq <= 0) {
            throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this), "--label takes key=value, got '" + l + "'");
          }
          q = q.withLabel(l.substring(0, eq), l.substring(eq + 1));
        }
        if (state != null) {
          q = q.withState(java.util.Arrays.stream(dev.warren.client.SandboxState.values()).filter(x -> x.wireName().equals(state)).findFirst()
              .orElseThrow(() -> new picocli.CommandLine.ParameterException(new picocli.CommandLine(this),
                  "--state must be creating, starting, running, stopping, stopped or failed, got '" + state + "'")));
        }
        List<SandboxInfo> list = w.sandboxes().list(q).stream().map(Sandbox::info).toList();
        if (json()) {
          var arr = JSON.createArrayNode();
          list.forEach(s -> arr.add(SandboxJson.of(s)));
          print(arr);
          return;
        }
        System.out.printf("%-31s %-9s %-8s %-4s %-15s %-24s %s%n", "ID", "STATE", "IMAGE", "GEN", "ADDRESS", "CREATED", "LABELS");
        for (SandboxInfo s : list) {
          System.out.printf("%-31s %-9s %-8s %-4d %-15s %-24s %s%n", s.id(), s.state().name().toLowerCase(), s.image(), s.generation(),
              s.address().orElse("-"), s.createdAt(), SandboxJson.labels(s));
        }
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }
  }

  @Command(name = "exec", mixinStandardHelpOptions = true, description = {"Run a command in a sandbox and print its output; exits with its exit code.",
      "Everything after SANDBOX is the command, options included: warren sandbox exec sbx_… uname -a"})
  static final class Exec extends ApiConnection implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "SANDBOX")
    String id;

    @Parameters(index = "1..*", arity = "1..*", paramLabel = "COMMAND", description = "the command: one word is a shell line "
        + "('ls | wc -l'); several are the program and its arguments, passed as they are (sh -c 'a | b'); a leading -- is dropped")
    List<String> command;

    /** The shell line {@code sh -c} runs: one word as it is, several quoted one by one so each reaches the program whole. */
    static String line(List<String> words) {
      List<String> w = !words.isEmpty() && words.get(0).equals("--") ? words.subList(1, words.size()) : words;
      if (w.isEmpty()) {
        throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(new Exec()), "no command after --");
      }
      if (w.size() == 1) {
        return w.get(0);
      }
      return String.join(" ", w.stream().map(a -> a.matches("[A-Za-z0-9_@%+=:,./-]+") ? a : "'" + a.replace("'", "'\\''") + "'").toList());
    }

    @Override
    public Integer call() throws Exception {
      try (Warren w = connect()) {
        ExecResult r = w.sandboxes().attach(id).exec(line(command));
        if (json()) {
          print(JSON.createObjectNode().put("exitCode", r.exitCode()).put("stdout", r.stdout()).put("stderr", r.stderr())
              .put("durationMs", r.duration().toMillis()).put("timedOut", r.timedOut()).put("truncated", r.truncated()));
        } else {
          // the bytes as the command wrote them (binary output arrives as base64 and is decoded)
          System.out.write(r.stdoutRaw());
          System.out.flush();
          System.err.write(r.stderrRaw());
          System.err.flush();
          if (r.truncated()) {
            System.err.println("warren: output cut (" + r.stdoutSize() + " bytes of stdout, " + r.stderrSize()
                + " of stderr); run the command in a session for all of it");
          }
        }
        return r.exitCode();
      }
    }
  }

  @Command(name = "rm", mixinStandardHelpOptions = true, description = "Delete sandboxes.")
  static final class Rm extends ApiConnection implements Callable<Integer> {
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
