package dev.warren.build;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What a build request says beside its context.
 *
 * @param dockerfile the Dockerfile's path inside the context
 * @param buildArgs values of the Dockerfile's ARGs
 * @param allow the hosts RUN steps may reach through the egress proxy (patterns as a sandbox's
 *     {@code egress.allow}); empty denies all
 */
public record BuildOptions(String dockerfile, Map<String, String> buildArgs, List<String> allow) {
  public BuildOptions {
    Objects.requireNonNull(dockerfile, "dockerfile");
    buildArgs = Map.copyOf(buildArgs);
    allow = List.copyOf(allow);
  }
}
