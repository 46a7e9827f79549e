package dev.warren.runtime;

import java.util.Objects;

/**
 * A volume named at a sandbox's create: the volume {@code name} appears at {@code path} inside the
 * sandbox, read-write or read-only. Checked by the layer above (see {@code SandboxSpec}); the
 * runtime trusts it.
 */
public record VolumeMount(String name, String path, boolean readOnly) {
  public VolumeMount {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(path, "path");
  }
}
