package dev.warren.image;

import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Optional;
import java.util.Properties;

/**
 * {@code image.properties} beside an image's {@code rootfs}: written last, so an image directory
 * without it is not an image. It records the recipe text the image was built from.
 */
final class ImageMetadata {
  static final String FILE = "image.properties";
  static final String ROOTFS = "rootfs";

  private ImageMetadata() {}

  static void write(Path imageDir, Recipe recipe, String mirror, Instant builtAt, long sizeBytes, long buildSeconds) {
    Properties p = new Properties();
    p.setProperty("format", "1");
    p.setProperty("name", recipe.name());
    p.setProperty("digest", recipe.digest());
    p.setProperty("builtAt", builtAt.toString());
    p.setProperty("sizeBytes", Long.toString(sizeBytes));
    p.setProperty("buildSeconds", Long.toString(buildSeconds));
    p.setProperty("mirror", mirror);
    p.setProperty("recipe", recipe.canonicalText());
    Path tmp = imageDir.resolve(FILE + ".tmp");
    try {
      try (Writer out = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
        p.store(out, "Warren golden image; written when the build completed");
      }
      Files.move(tmp, imageDir.resolve(FILE), StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new ImageException("cannot write " + imageDir.resolve(FILE), e);
    }
  }

  /** The image in {@code imageDir}, or empty if it is not a completed image. */
  static Optional<Image> read(Path imageDir) {
    Properties p = new Properties();
    try (Reader in = Files.newBufferedReader(imageDir.resolve(FILE), StandardCharsets.UTF_8)) {
      p.load(in);
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (IOException e) {
      throw new ImageException("cannot read " + imageDir.resolve(FILE), e);
    }
    Path file = imageDir.resolve(FILE);
    try {
      return Optional.of(new Image(
          field(p, "name", file),
          field(p, "digest", file),
          imageDir.resolve(ROOTFS),
          Instant.parse(field(p, "builtAt", file)),
          Long.parseLong(field(p, "sizeBytes", file))));
    } catch (DateTimeParseException | NumberFormatException e) {
      throw new ImageException(file + " is damaged (" + e.getMessage() + "); remove the image and build it again", e);
    }
  }

  private static String field(Properties p, String key, Path file) {
    String value = p.getProperty(key);
    if (value == null) {
      throw new ImageException(file + " is damaged: it has no '" + key + "'; remove the image and build it again");
    }
    return value;
  }
}
