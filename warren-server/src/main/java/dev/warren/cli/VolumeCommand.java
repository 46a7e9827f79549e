package dev.warren.cli;

import dev.warren.client.VolumeInfo;
import dev.warren.client.Warren;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code warren volume create|list|get|delete}, on the Java SDK. */
@Command(name = "volume", mixinStandardHelpOptions = true, aliases = "vol",
    description = "Create, list, show and delete volumes (filesystems that outlive sandboxes).",
    subcommands = {VolumeCommand.Create.class, VolumeCommand.ListVolumes.class, VolumeCommand.Get.class, VolumeCommand.Delete.class})
final class VolumeCommand implements Runnable {
  @Override
  public void run() {
    new ListVolumes().run();
  }

  @Command(name = "create", mixinStandardHelpOptions = true, description = "Make an empty volume and print its name.")
  static final class Create extends ApiConnection implements Callable<Integer> {
    @Parameters(paramLabel = "NAME", description = "1-64 lower-case letters, digits, '.', '_' or '-'")
    String name;

    @Option(names = "--size-mb", required = true, paramLabel = "MIB", description = "its size in MiB (16 to 1048576), enforced by the kernel")
    int sizeMb;

    @Override
    public Integer call() throws Exception {
      try (Warren w = connect()) {
        VolumeInfo v = w.volumes().create(name, sizeMb);
        if (json()) {
          print(SandboxJson.of(v));
        } else {
          System.out.println(v.name());
        }
        return 0;
      }
    }
  }

  @Command(name = "list", aliases = "ls", mixinStandardHelpOptions = true, description = "List the volumes and the sandboxes that mount them.")
  static final class ListVolumes extends ApiConnection implements Runnable {
    @Override
    public void run() {
      try (Warren w = connect()) {
        List<VolumeInfo> list = w.volumes().list();
        if (json()) {
          var arr = JSON.createArrayNode();
          list.forEach(v -> arr.add(SandboxJson.of(v)));
          print(arr);
          return;
        }
        System.out.printf("%-24s %8s %12s %-24s %s%n", "NAME", "SIZE_MB", "USED_BYTES", "CREATED", "MOUNTED_BY");
        for (VolumeInfo v : list) {
          System.out.printf("%-24s %8d %12s %-24s %s%n", v.name(), v.sizeMb(), v.usedBytes().map(String::valueOf).orElse("-"), v.createdAt(),
              mountedBy(v));
        }
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }
  }

  @Command(name = "get", mixinStandardHelpOptions = true, description = "Show one volume (exit 1 when there is none by that name).")
  static final class Get extends ApiConnection implements Callable<Integer> {
    @Parameters(paramLabel = "NAME")
    String name;

    @Override
    public Integer call() throws Exception {
      try (Warren w = connect()) {
        var found = w.volumes().get(name);
        if (found.isEmpty()) {
          System.err.println("warren: no volume " + name);
          return 1;
        }
        VolumeInfo v = found.get();
        if (json()) {
          print(SandboxJson.of(v));
        } else {
          System.out.println("name        " + v.name());
          System.out.println("sizeMb      " + v.sizeMb());
          System.out.println("usedBytes   " + v.usedBytes().map(String::valueOf).orElse("-"));
          System.out.println("createdAt   " + v.createdAt());
          System.out.println("mountedBy   " + mountedBy(v));
          v.problem().ifPresent(p -> System.out.println("problem     " + p));
        }
        return 0;
      }
    }
  }

  @Command(name = "delete", aliases = "rm", mixinStandardHelpOptions = true,
      description = "Delete volumes and their files (refused while a sandbox names one).")
  static final class Delete extends ApiConnection implements Callable<Integer> {
    @Parameters(paramLabel = "NAME", arity = "1..*")
    List<String> names;

    @Override
    public Integer call() throws Exception {
      int missing = 0;
      try (Warren w = connect()) {
        for (String n : names) {
          if (!w.volumes().delete(n)) {
            System.err.println("warren: no volume " + n);
            missing++;
          }
        }
      }
      return missing == 0 ? 0 : 1;
    }
  }

  static String mountedBy(VolumeInfo v) {
    return v.mountedBy().isEmpty() ? "-" : v.mountedBy().stream()
        .map(h -> h.sandboxId() + ":" + h.path() + (h.readOnly() ? " (ro)" : "")).collect(Collectors.joining(","));
  }
}
