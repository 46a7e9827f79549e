package dev.warren.client;

import java.util.Objects;

/**
 * Where a {@link BrowserActions#navigate(String) navigate} ended: the page's URL after redirects
 * and its title.
 */
public record Navigation(String url, String title) {

  public Navigation {
    Objects.requireNonNull(url, "url");
    Objects.requireNonNull(title, "title");
  }
}
