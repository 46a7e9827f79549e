package dev.warren.bench;

import dev.warren.image.Images;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Sets up and takes down the plain-crun floor ({@link CrunFloor}) around the sequential section,
 * and checks that it left nothing behind: no mounts, crun containers, cgroups or processes, and
 * after closing not even its namespace or directory.
 */
final class FloorSection {
  private static final HostCensus NOTHING = new HostCensus(0, 0, 0, 0, 0, 0, 0, 0);

  private FloorSection() {}

  /** An open floor and what the host held before it ran anything. */
  record Open(CrunFloor floor, HostCensus before) {}

  static Open open(Path dir, Cleanup cleanup) {
    Path image = Images.open(BenchWarren.IMAGES).require("base").rootfs();
    Report.title("Plain-crun floor (no Warren)");
    Report.note("image rootfs " + image + " as the overlay's lower layer; crun --root and cgroups /"
        + CrunFloor.CGROUP_PARENT + "/<id> of its own; " + (FloorNamespace.hybridCgroups()
        ? "crun runs in a private mount namespace hiding the empty cgroup2 hierarchy, as in Warren" : "crun runs directly"));
    CrunFloor floor = CrunFloor.open(dir, image);
    cleanup.push("the plain-crun floor", floor);
    return new Open(floor, floor.census());
  }

  /** Closes the floor; returns what it left behind (empty when nothing). */
  static List<String> close(Open open) {
    HostCensus after = open.floor().census();
    Report.title("Plain-crun floor: clean-up");
    HostCensus.print(List.of("floor: before", "floor: after the loop"), List.of(open.before(), after));
    List<String> leftovers = new ArrayList<>(after.growthSince(open.before()));
    open.floor().close();
    HostCensus closed = open.floor().census();
    if (!closed.equals(NOTHING)) {
      leftovers.add("after closing the floor: " + closed);
    }
    Report.note(leftovers.isEmpty() ? "floor closed: its namespace, mounts, containers, cgroups and directory are gone"
        : "LEFT BEHIND: " + leftovers);
    return leftovers;
  }
}
