package dev.warren.image;

import dev.warren.error.WarrenException;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The name of a user image, {@code name[:tag]} as in an OCI reference: a name is lowercase
 * path components ({@code [a-z0-9]+} joined by {@code .}, {@code _}, {@code __} or {@code -}, the
 * components by {@code /}); a tag is {@code [A-Za-z0-9_][A-Za-z0-9._-]{0,127}}, {@code latest} when
 * left out. The whole reference is at most 64 characters (the width a sandbox row keeps). A
 * registry host or a digest is not part of an image name: pulls take those separately.
 */
public record ImageRef(String name, String tag) {
  public static final String LATEST = "latest";
  private static final Pattern COMPONENT = Pattern.compile("[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*");
  private static final Pattern TAG = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9._-]{0,127}");
  public static final int MAX_LENGTH = 64;

  public ImageRef {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(tag, "tag");
  }

  /** Parses {@code name[:tag]}; a 400 naming {@code field} when it is not one. */
  public static ImageRef parse(String field, String ref) {
    if (ref == null || ref.isEmpty()) {
      throw WarrenException.invalid(field, field + " is required: an image name such as myimage or myimage:1.0");
    }
    String shown = ref.length() > 80 ? ref.substring(0, 80) + "…" : ref;
    int colon = ref.lastIndexOf(':');
    String name = colon < 0 ? ref : ref.substring(0, colon);
    String tag = colon < 0 ? LATEST : ref.substring(colon + 1);
    if (ref.length() > MAX_LENGTH + (colon < 0 ? -LATEST.length() - 1 : 0)) {
      throw WarrenException.invalid(field, field + " must be at most " + MAX_LENGTH + " characters with its tag, got '" + shown + "'");
    }
    for (String c : name.split("/", -1)) {
      if (!COMPONENT.matcher(c).matches()) {
        throw WarrenException.invalid(field, field + " must be an image name like myimage:1.0 (lowercase letters, digits and . _ - inside "
            + "components separated by /, then an optional :tag), got '" + shown + "'");
      }
    }
    if (!TAG.matcher(tag).matches()) {
      throw WarrenException.invalid(field, field + " has a bad tag '" + (tag.length() > 80 ? tag.substring(0, 80) + "…" : tag)
          + "': a tag is letters, digits, _ . - (not starting with . or -), at most 128 characters");
    }
    return new ImageRef(name, tag);
  }

  @Override
  public String toString() {
    return name + ":" + tag;
  }
}
