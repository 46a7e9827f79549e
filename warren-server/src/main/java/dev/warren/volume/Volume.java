package dev.warren.volume;

import dev.warren.error.WarrenException;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A volume as the store has it, with the sandboxes that name it.
 *
 * @param usedBytes bytes in use on its filesystem, when it is mounted on the host
 * @param missing why its file is not on the host when it is not (a row whose file vanished)
 */
public record Volume(String name, int sizeMb, Instant createdAt, List<Holder> mountedBy, Optional<Long> usedBytes,
    Optional<String> missing) {

  /** Volume names: lower-case letters, digits, '.', '_' and '-', starting with a letter or digit, at most 64. */
  public static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9._-]{0,63}");
  public static final int MIN_SIZE_MB = 16;
  public static final int MAX_SIZE_MB = 1_048_576;

  /** A sandbox that names the volume, at {@code path}, and how. */
  public record Holder(String sandboxId, String path, boolean readOnly) {}

  public Volume {
    Objects.requireNonNull(name, "name");
    mountedBy = List.copyOf(mountedBy);
  }

  /** Throws a 400 naming {@code field} unless {@code name} is a volume name. */
  public static void checkName(String field, String name) {
    if (name == null || !NAME.matcher(name).matches()) {
      throw WarrenException.invalid(field, field + " must be 1-64 lower-case letters, digits, '.', '_' or '-', starting with a letter "
          + "or digit; got '" + (name == null ? "" : name.length() > 80 ? name.substring(0, 80) + "…" : name) + "'");
    }
  }
}
