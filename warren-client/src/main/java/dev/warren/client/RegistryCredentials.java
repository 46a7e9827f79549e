package dev.warren.client;

import java.util.Objects;

/**
 * A user name and a password (or an access token) for an OCI registry, given to one
 * {@link Images#pull(String, java.util.Optional, RegistryCredentials) pull}: the server hands them
 * to that registry only and keeps them nowhere. {@link #toString} shows neither.
 */
public record RegistryCredentials(String username, String password) {
  public RegistryCredentials {
    Objects.requireNonNull(username, "username");
    Objects.requireNonNull(password, "password");
    if (username.isEmpty() || username.contains(":")) {
      throw new IllegalArgumentException("a registry user name is not empty and has no ':'");
    }
    if (password.isEmpty()) {
      throw new IllegalArgumentException("a registry password (or token) is not empty");
    }
  }

  @Override
  public String toString() {
    return "RegistryCredentials[username=" + username + ", password=…]";
  }
}
