package dev.warren.web;

import dev.warren.error.Problem;
import dev.warren.error.WarrenException;

/** A dashboard page or file was asked for without a dashboard session (401). */
public final class LoginRequired extends WarrenException {
  LoginRequired() {
    super(Problem.UNAUTHORIZED, "log in to the dashboard at /login (or send Authorization: Bearer <token>)");
  }
}
