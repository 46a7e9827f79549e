package dev.warren.config;

/** A setting is missing or wrong; the message names the setting and the bad value. */
public class ConfigException extends RuntimeException {
  public ConfigException(String message) {
    super(message);
  }
}
