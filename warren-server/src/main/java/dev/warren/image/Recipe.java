package dev.warren.image;

import java.util.List;

/** A golden image recipe: debootstrap of a Debian suite with extra packages and a setup script. */
public record Recipe(
    String name, String description, String suite, String variant, List<String> packages, String setupScript, String digest) {
  public Recipe {
    packages = List.copyOf(packages);
  }
}
