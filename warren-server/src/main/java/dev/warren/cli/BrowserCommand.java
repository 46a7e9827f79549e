package dev.warren.cli;

import dev.warren.client.Browser;
import dev.warren.client.BrowserInfo;
import dev.warren.client.BrowserSpec;
import dev.warren.client.Warren;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code warren browser create|ls|rm|live}, on the Java SDK. */
@Command(name = "browser", mixinStandardHelpOptions = true, description = "Create, list, watch and close browser sessions.",
    subcommands = {BrowserCommand.Create.class, BrowserCommand.Ls.class, BrowserCommand.Rm.class, BrowserCommand.Live.class})
final class BrowserCommand implements Runnable {
  @Override
  public void run() {
    new picocli.CommandLine(this).usage(System.out);
  }

  @Command(name = "create", mixinStandardHelpOptions = true, description = "Start a browser (or find the live one with --key) and print its id.")
  static final class Create extends ApiConnection implements Callable<Integer> {
    @Option(names = "--key", description = "reuse key: a live session with it is answered instead of a new one")
    String key;

    @Option(names = "--profile", description = "named profile to load and save")
    String profile;

    @Option(names = "--allow-egress", paramLabel = "HOST[:PORT]", description = "a host it may open; repeatable (default: none)")
    List<String> allow = List.of();

    @Option(names = "--headed", description = "a headed Chromium on a virtual display (watch it over VNC)")
    boolean headed;

    @Override
    public Integer call() throws Exception {
      try (Warren w = connect()) {
        BrowserSpec.Builder b = BrowserSpec.builder().headless(!headed);
        if (key != null) {
          b.key(key);
        }
        if (profile != null) {
          b.profile(profile);
        }
        if (!allow.isEmpty()) {
          b.allowEgress(allow.toArray(String[]::new));
        }
        // the handle is not closed: the session outlives the CLI
        Browser browser = w.browsers().create(b.build());
        if (json()) {
          print(SandboxJson.of(browser.info()).put("reused", browser.reused()));
        } else {
          System.out.println(browser.id());
        }
        return 0;
      }
    }
  }

  @Command(name = "ls", mixinStandardHelpOptions = true, description = "List the live browser sessions.")
  static final class Ls extends ApiConnection implements Callable<Integer> {
    @Override
    public Integer call() throws Exception {
      try (Warren w = connect()) {
        List<BrowserInfo> list = w.browsers().list().stream().map(Browser::info).toList();
        if (json()) {
          var arr = JSON.createArrayNode();
          list.forEach(b -> arr.add(SandboxJson.of(b)));
          print(arr);
          return 0;
        }
        System.out.printf("%-31s %-9s %-24s %-16s %s%n", "ID", "STATE", "CREATED", "PROFILE", "KEY");
        for (BrowserInfo b : list) {
          System.out.printf("%-31s %-9s %-24s %-16s %s%n", b.id(), b.state().wireName(), b.createdAt(), b.profile().orElse("-"), b.key().orElse("-"));
        }
        return 0;
      }
    }
  }

  @Command(name = "rm", mixinStandardHelpOptions = true, description = "Close browser sessions (their profiles are saved).")
  static final class Rm extends ApiConnection implements Callable<Integer> {
    @Parameters(paramLabel = "BROWSER", arity = "1..*")
    List<String> ids;

    @Override
    public Integer call() throws Exception {
      int missing = 0;
      try (Warren w = connect()) {
        for (String id : ids) {
          if (!w.browsers().delete(id)) {
            System.err.println("warren: no browser session " + id);
            missing++;
          }
        }
      }
      return missing == 0 ? 0 : 1;
    }
  }

  @Command(name = "live", mixinStandardHelpOptions = true, description = "Print the live page of a session (take control; --watch-only to watch).")
  static final class Live extends ApiConnection implements Callable<Integer> {
    @Parameters(paramLabel = "BROWSER")
    String id;

    @Option(names = "--watch-only", description = "the page that watches without control")
    boolean watchOnly;

    @Override
    public Integer call() throws Exception {
      try (Warren w = connect()) {
        BrowserInfo b = w.browsers().get(id).orElseThrow(() -> new IllegalArgumentException("no browser session " + id)).info();
        String url = (watchOnly ? b.liveViewUrl() : b.liveControlUrl())
            .orElseThrow(() -> new IllegalStateException("browser session " + id + " is " + b.state().wireName() + ": nothing to watch"));
        System.out.println(json() ? JSON.createObjectNode().put("url", url).put("control", !watchOnly).toString() : url);
        return 0;
      }
    }
  }
}
