package dev.warren.config;

import dev.warren.error.Problem;
import dev.warren.error.WarrenException;

/** A setting is missing or wrong; the message names the setting and the bad value. */
public class ConfigException extends WarrenException {
  public ConfigException(String message) {
    super(Problem.INVALID_INPUT, message);
  }
}
