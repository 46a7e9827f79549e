package dev.warren.client;

import java.util.Objects;
import java.util.Optional;

/**
 * A file a browser session's pages downloaded ({@link Browser#downloads()}), in {@code directory}
 * of the session's sandbox; its bytes come from {@link Browser#download(String)}.
 *
 * @param size bytes on disk once complete; received so far while in progress
 * @param url where it came from, when the server heard the download begin
 * @param state {@code in-progress}, {@code complete} or {@code canceled}
 */
public record DownloadInfo(String name, long size, Optional<String> url, String state) {
  public DownloadInfo {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(url, "url");
    Objects.requireNonNull(state, "state");
  }

  public boolean complete() {
    return state.equals("complete");
  }
}
