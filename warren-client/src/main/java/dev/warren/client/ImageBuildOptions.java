package dev.warren.client;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What a build request says beside its context.
 *
 * @param dockerfile the Dockerfile's path inside the context ({@code Dockerfile})
 * @param buildArgs values of the Dockerfile's ARGs
 * @param allow hosts the RUN steps may reach through the egress proxy (e.g. {@code deb.debian.org}); none by default
 */
public record ImageBuildOptions(String dockerfile, Map<String, String> buildArgs, List<String> allow) {
  public static final ImageBuildOptions DEFAULTS = new ImageBuildOptions("Dockerfile", Map.of(), List.of());

  public ImageBuildOptions {
    Objects.requireNonNull(dockerfile, "dockerfile");
    buildArgs = Map.copyOf(buildArgs);
    allow = List.copyOf(allow);
  }

  public ImageBuildOptions withDockerfile(String path) {
    return new ImageBuildOptions(path, buildArgs, allow);
  }

  public ImageBuildOptions withBuildArgs(Map<String, String> args) {
    return new ImageBuildOptions(dockerfile, args, allow);
  }

  public ImageBuildOptions withAllow(List<String> hosts) {
    return new ImageBuildOptions(dockerfile, buildArgs, hosts);
  }
}
