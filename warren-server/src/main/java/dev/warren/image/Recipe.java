package dev.warren.image;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A golden image recipe: debootstrap of a Debian suite with extra packages and a setup script.
 *
 * <p>Packages are kept sorted and distinct, so their order in a recipe file does not matter. The
 * digest is {@code sha256:} over {@link #canonicalText()}: every field, including the setup
 * script's content, so any change to a recipe makes a new image.
 *
 * @param packages given to {@code debootstrap --include}
 * @param setupScript run with {@code /bin/sh -c} inside the chroot after debootstrap; may be empty
 * @param digest {@code null} to compute it; otherwise it must equal the computed digest
 * @param mirror the archive this recipe is pinned to; when empty the builder's default is used
 */
public record Recipe(
    String name,
    String description,
    String suite,
    String variant,
    List<String> packages,
    String setupScript,
    String digest,
    Optional<String> mirror) {

  private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9-]{0,31}");
  private static final Pattern WORD = Pattern.compile("[a-z0-9][a-z0-9.+-]*");
  private static final Pattern MIRROR = Pattern.compile("(https?|file):/[^\\s]*");

  public Recipe {
    require(name, "name", NAME);
    Objects.requireNonNull(description, "description");
    if (description.contains("\n")) {
      throw new IllegalArgumentException("recipe '" + name + "': description must be one line");
    }
    require(suite, "suite", WORD);
    require(variant, "variant", WORD);
    packages = packages.stream().map(String::strip).distinct().sorted().toList();
    for (String p : packages) {
      require(p, "package", WORD);
    }
    Objects.requireNonNull(setupScript, "setupScript");
    Objects.requireNonNull(mirror, "mirror");
    mirror.ifPresent(m -> require(m, "mirror", MIRROR));
    String computed = digestOf(canonicalText(name, description, suite, variant, packages, setupScript, mirror));
    if (digest == null) {
      digest = computed;
    } else if (!digest.equals(computed)) {
      throw new IllegalArgumentException(
          "recipe '" + name + "': digest " + digest + " does not match its content (" + computed + ")");
    }
  }

  /** The contract's original shape: no mirror of its own. */
  public Recipe(
      String name, String description, String suite, String variant, List<String> packages, String setupScript, String digest) {
    this(name, description, suite, variant, packages, setupScript, digest, Optional.empty());
  }

  /** A recipe with its digest computed. */
  public static Recipe of(
      String name,
      String description,
      String suite,
      String variant,
      List<String> packages,
      String setupScript,
      Optional<String> mirror) {
    return new Recipe(name, description, suite, variant, packages, setupScript, null, mirror);
  }

  /** The hex part of the digest, without {@code sha256:}. */
  public String digestHex() {
    return digest.substring("sha256:".length());
  }

  /**
   * The serialization the digest is taken over: a version line, one {@code key=value} line per
   * field (packages sorted, comma-joined), then the setup script's length in UTF-8 bytes and its
   * exact content. Field values never contain a newline, so the text is unambiguous.
   */
  public String canonicalText() {
    return canonicalText(name, description, suite, variant, packages, setupScript, mirror);
  }

  private static String canonicalText(
      String name,
      String description,
      String suite,
      String variant,
      List<String> packages,
      String setupScript,
      Optional<String> mirror) {
    return "warren-recipe/1\n"
        + "name=" + name + "\n"
        + "description=" + description + "\n"
        + "suite=" + suite + "\n"
        + "variant=" + variant + "\n"
        + "mirror=" + mirror.orElse("") + "\n"
        + "packages=" + String.join(",", packages) + "\n"
        + "setup-bytes=" + setupScript.getBytes(StandardCharsets.UTF_8).length + "\n"
        + setupScript;
  }

  private static String digestOf(String text) {
    try {
      byte[] hash = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
      return "sha256:" + HexFormat.of().formatHex(hash);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK has no SHA-256", e);
    }
  }

  private static void require(String value, String field, Pattern pattern) {
    Objects.requireNonNull(value, field);
    if (!pattern.matcher(value).matches()) {
      throw new IllegalArgumentException("recipe " + field + " '" + value + "' must match " + pattern.pattern());
    }
  }
}
