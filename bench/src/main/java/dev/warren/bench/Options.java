package dev.warren.bench;

import java.time.Duration;
import java.util.List;
import java.util.Set;

/**
 * What one benchmark run does, parsed from the command line. Immutable; every error names the
 * flag and the bad value.
 *
 * @param command {@code all}, {@code sandboxes} (sequential and concurrent), {@code floor}, {@code sessions}, {@code browsers},
 *     {@code liveview}, {@code idle}, {@code state}, {@code soak} or {@code chaos}
 * @param iterations measured create-to-first-exec iterations, for Warren and for the crun floor
 * @param warmup iterations run first and not counted
 * @param concurrency sandboxes created at once in the concurrent section
 * @param idle sandboxes held at once in the idle section
 * @param sessionWarmup session commands run before the measured round trips of the sessions section
 * @param sectionBudget how long one section may run before it is cut short
 * @param browsers what the browsers section does
 * @param clients parallel clients of the soak
 * @param soakSeconds how long the soak runs
 * @param soakBrowsers whether the soak and the chaos run open browsers too
 * @param chaos what the chaos run does
 */
record Options(String command, int iterations, int warmup, int concurrency, int idle, int sessionWarmup, boolean skipFloor,
    boolean verbose, Duration sectionBudget, Browsers browsers, int clients, int soakSeconds,
    boolean soakBrowsers, ChaosRun chaos) {

  /**
   * The chaos run's settings.
   *
   * @param kills SIGKILLs of the controller
   * @param population idle sandboxes present throughout
   * @param faults whether the other faults run too (disk full, PostgreSQL restart, crun killed, Chromium killed)
   * @param killing whether the kills run ({@code --faults-only}: no)
   * @param startupCache whether the controllers start from the start-up cache ({@code --no-startup-cache}: no, for the before)
   */
  record ChaosRun(int kills, int population, boolean faults, boolean killing, boolean startupCache) {
    ChaosRun {
      check("--kills", kills, 0, 10_000);
      check("--population", population, 0, 1000);
    }
  }

  /**
   * The browsers section's settings.
   *
   * @param iterations measured create-to-CDP-ready iterations, cold (each with a host Chromium launch beside it) and warm
   * @param warmup iterations of each kind run first and not counted
   * @param pool the warm pool's size (WARREN_BROWSER_POOL of the second controller)
   * @param idle sessions held at once for the idle memory figures
   * @param concurrency sessions created at once, each loading a page
   */
  record Browsers(int iterations, int warmup, int pool, int idle, int concurrency) {
    Browsers {
      check("--browser-iterations", iterations, 1, 10_000);
      check("--browser-warmup", warmup, 0, 100);
      check("--browser-pool", pool, 1, 64);
      check("--browser-idle", idle, 1, 100);
      check("--browser-concurrency", concurrency, 1, 100);
    }
  }

  static final String USAGE = """
      usage: ./warren bench [all|sandboxes|floor|sessions|browsers|liveview|previews|idle|state|soak|chaos] [flags]
        all          every section below, in one run (the default)
        sandboxes    create-to-first-exec: sequential (cold, then from a warm pool on a second
                     controller), then concurrent
        floor        the same sequence with plain crun (no Warren)
        sessions     shell sessions: round trip of `true` (beside crun exec, one-shot exec and a
                     bare FIFO), commands per second with 1 and 20 sessions, 200 MB of stdout
        browsers     browser sessions: create-to-CDP-ready cold (beside Chromium launched on
                     the host) and from a warm pool, PSS per idle session, N sessions at once
                     each loading a page (and checked to be independent)
        liveview     live view of a 1280x720 browser session: frames per second while it animates,
                     page change to frame shown, first frame, sandbox restart to recovery
                     (needs the browser image; n/a without it)
        previews     a sandbox port through the preview proxy beside the sandbox's address directly:
                     p50 of a small GET (and what the proxy adds), MB/s of a 100 MB download
        idle         idle memory per sandbox, then delete all and check nothing is left
        state        pause/resume p50 of an idle and a busy sandbox beside crun pause/resume;
                     snapshot of 100 MB in 5,000 files beside cp -a, create from snapshot beside
                     create from image, fork of 10 beside 10 creates (~1-2 min; snapshots n/a when
                     the server has none)
        soak         N clients for D seconds creating and deleting sandboxes, sessions, commands
                     and browsers; ops/s, failures, and host/controller counts before and after
                     (not part of 'all')
        chaos        N clients of mixed work while the controller (a child process) is SIGKILLed
                     K times at random moments: acknowledged creates lost, deletes resurrected,
                     counter regressions, undeletable sandboxes, what teardown leaves, restart to
                     /readyz; --faults adds the disk full, PostgreSQL restarted, crun killed and
                     Chromium killed, each under load (not part of 'all')
      flags:
        --iterations N     measured iterations, Warren and crun floor (default 100)
        --warmup N         uncounted iterations first (default 5)
        --concurrency N    sandboxes created at once (default 20)
        --idle N           sandboxes held at once in the idle section (default 50; the target is 500)
        --session-warmup N session commands before the measured round trips (default 3000: the target is for a warm session)
        --skip-floor       do not measure the plain-crun floor in 'all'
        --browser-iterations N   browsers: measured cold and warm creates (default 20)
        --browser-warmup N       browsers: uncounted iterations first (default 2)
        --browser-pool N         browsers: warm pool size of the second controller (default 2)
        --browser-idle N         browsers: sessions held idle for the memory figures (default 5)
        --browser-concurrency N  browsers: sessions created at once, each loading a page (default 10)
        --section-minutes N  cut a section short after N minutes (default 10)
        --clients N        soak: parallel clients (default 4)
        --seconds N        soak: how long it runs (default 60)
        --no-browsers      soak, chaos: sandboxes and sessions only
        --kills N          chaos: SIGKILLs of the controller (default 20; the target is for 100)
        --population N     chaos: idle sandboxes present throughout (default 100)
        --faults           chaos: the other faults too, after the kills
        --faults-only      chaos: the other faults, no kills
        --no-startup-cache chaos: controllers start without the start-up cache (trained otherwise; the before figure)
        --verbose          show the controller's INFO log
      Needs root. Exit code 0 when every section ran and every target measured passed, 1 otherwise,
      2 for a bad command line, 130 when interrupted (everything made so far is removed first).
      """;

  private static final Set<String> COMMANDS = Set.of("all", "sandboxes", "floor", "sessions", "browsers", "liveview", "idle", "soak",
      "chaos", "previews", "state");

  Options {
    if (!COMMANDS.contains(command)) {
      throw new UsageException("unknown command '" + command + "'; expected one of all, sandboxes, floor, sessions, browsers, liveview, previews, idle, "
          + "state, soak, chaos");
    }
    check("--iterations", iterations, 1, 100_000);
    check("--warmup", warmup, 0, 1000);
    check("--concurrency", concurrency, 1, 500);
    check("--idle", idle, 1, 1000);
    check("--session-warmup", sessionWarmup, 0, 100_000);
    check("--clients", clients, 1, 200);
    check("--seconds", soakSeconds, 1, 86_400);
  }

  static Options parse(List<String> args) {
    String command = "all";
    int iterations = 100;
    int warmup = 5;
    int concurrency = 20;
    int idle = 50;
    int sessionWarmup = 3000;
    boolean skipFloor = false;
    boolean verbose = false;
    int minutes = 10;
    int clients = 4;
    int seconds = 60;
    boolean soakBrowsers = true;
    int browserIterations = 20;
    int browserWarmup = 2;
    int browserPool = 2;
    int browserIdle = 5;
    int browserConcurrency = 10;
    int kills = 20;
    int population = 100;
    boolean faults = false;
    boolean faultsOnly = false;
    boolean startupCache = true;
    for (int i = 0; i < args.size(); i++) {
      String a = args.get(i);
      switch (a) {
        case "--iterations" -> iterations = number(args, ++i, a);
        case "--warmup" -> warmup = number(args, ++i, a);
        case "--concurrency" -> concurrency = number(args, ++i, a);
        case "--idle" -> idle = number(args, ++i, a);
        case "--session-warmup" -> sessionWarmup = number(args, ++i, a);
        case "--section-minutes" -> minutes = number(args, ++i, a);
        case "--clients" -> clients = number(args, ++i, a);
        case "--seconds" -> seconds = number(args, ++i, a);
        case "--no-browsers" -> soakBrowsers = false;
        case "--browser-iterations" -> browserIterations = number(args, ++i, a);
        case "--browser-warmup" -> browserWarmup = number(args, ++i, a);
        case "--browser-pool" -> browserPool = number(args, ++i, a);
        case "--browser-idle" -> browserIdle = number(args, ++i, a);
        case "--browser-concurrency" -> browserConcurrency = number(args, ++i, a);
        case "--kills" -> kills = number(args, ++i, a);
        case "--population" -> population = number(args, ++i, a);
        case "--faults" -> faults = true;
        case "--faults-only" -> faultsOnly = true;
        case "--no-startup-cache" -> startupCache = false;
        case "--skip-floor" -> skipFloor = true;
        case "--verbose" -> verbose = true;
        case "-h", "--help", "help" -> throw new UsageException(null);
        default -> {
          if (a.startsWith("-") || i > 0) {
            throw new UsageException("unknown argument '" + a + "'");
          }
          command = a;
        }
      }
    }
    check("--section-minutes", minutes, 1, 600);
    return new Options(command, iterations, warmup, concurrency, idle, sessionWarmup, skipFloor, verbose, Duration.ofMinutes(minutes),
        new Browsers(browserIterations, browserWarmup, browserPool, browserIdle, browserConcurrency), clients, seconds, soakBrowsers,
        new ChaosRun(kills, population, faults || faultsOnly, !faultsOnly, startupCache));
  }

  boolean runs(String section) {
    return switch (section) {
      case "sequential", "concurrent" -> command.equals("all") || command.equals("sandboxes");
      case "floor" -> command.equals("floor") || (command.equals("all") && !skipFloor);
      case "sessions" -> command.equals("all") || command.equals("sessions");
      case "browsers" -> command.equals("all") || command.equals("browsers");
      case "liveview" -> command.equals("all") || command.equals("liveview");
      case "idle" -> command.equals("all") || command.equals("idle");
      case "previews" -> command.equals("all") || command.equals("previews");
      case "state" -> command.equals("all") || command.equals("state");
      case "soak" -> command.equals("soak");
      case "chaos" -> command.equals("chaos");
      default -> throw new IllegalArgumentException(section);
    };
  }

  boolean needsWarren() {
    return runs("sequential") || runs("sessions") || runs("browsers") || runs("liveview") || runs("idle") || runs("state") || runs("soak");
  }

  private static int number(List<String> args, int i, String flag) {
    if (i >= args.size()) {
      throw new UsageException(flag + " needs a number");
    }
    try {
      return Integer.parseInt(args.get(i));
    } catch (NumberFormatException e) {
      throw new UsageException(flag + ": expected a whole number, got '" + args.get(i) + "'");
    }
  }

  private static void check(String flag, int value, int min, int max) {
    if (value < min || value > max) {
      throw new UsageException(flag + " must be between " + min + " and " + max + ", got " + value);
    }
  }

  /** A bad command line; a null message means "just show the usage". */
  static final class UsageException extends RuntimeException {
    UsageException(String message) {
      super(message);
    }
  }
}
