package dev.warren.browser;

import java.time.Instant;
import java.util.Optional;

/**
 * A file a page of a browser session downloaded, in {@link Chromium#DOWNLOADS} of its sandbox.
 *
 * @param size bytes on disk once complete; received so far (or announced) while in progress
 * @param url where it came from, when Warren heard the download begin
 * @param state {@code in-progress}, {@code complete} or {@code canceled}
 */
public record Download(String name, long size, Optional<String> url, String state, Optional<Instant> startedAt) {
  /** The directory in the browser's sandbox where downloads land (readable with the sandbox's file API). */
  public static final String DIRECTORY = Chromium.DOWNLOADS;
}
