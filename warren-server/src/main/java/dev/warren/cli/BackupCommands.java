package dev.warren.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code warren backup FILE} and {@code warren restore FILE}. */
final class BackupCommands {
  private BackupCommands() {}

  @Command(name = "backup", mixinStandardHelpOptions = true, description = "Write a consistent copy of the store, the API token, the signing secret and the browser "
      + "profiles to FILE (a zip, mode 0600). Works while Warren serves.")
  static final class Backup implements Callable<Integer> {
    @Parameters(paramLabel = "FILE")
    Path file;

    @Override
    public Integer call() {
      dev.warren.ops.Backup.run(CliConfig.load(), file.toAbsolutePath().normalize(), System.out);
      return 0;
    }
  }

  @Command(name = "restore", mixinStandardHelpOptions = true, description = "Restore a backup into this data directory and database (which must be empty unless "
      + "--force). Warren must be stopped.")
  static final class Restore implements Callable<Integer> {
    @Parameters(paramLabel = "FILE")
    Path file;

    @Option(names = "--force", description = "replace the store, token, secret and profiles of a data directory that is not empty "
        + "(the old SQLite database is kept beside, renamed)")
    boolean force;

    @Override
    public Integer call() {
      dev.warren.ops.Restore.run(CliConfig.load(), file.toAbsolutePath().normalize(), force, System.out);
      return 0;
    }
  }
}
