package dev.warren.client;

import java.util.Objects;

/**
 * A volume mounted into a sandbox at its create ({@link SandboxSpec.Builder#volume}): the volume
 * {@code name} at the absolute {@code path}, read-write or read-only. The server checks the path
 * (not a system path, no {@code ..}) and that a volume has one writer at a time.
 */
public record VolumeMount(String name, String path, boolean readOnly) {
  public VolumeMount {
    Urls.volume(name);
    Urls.sandboxPath(path);
  }
}
