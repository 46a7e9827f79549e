package dev.warren.client;

import java.util.Objects;

/**
 * What a file input took from {@link BrowserActions#upload}: the file's name and size as the page
 * sees them, and where it is in the browser's sandbox.
 */
public record UploadedFile(String name, long size, String path) {
  public UploadedFile {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(path, "path");
  }
}
