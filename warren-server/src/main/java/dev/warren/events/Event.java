package dev.warren.events;

import java.time.Instant;
import java.util.Optional;

/** Something that happened: a life-cycle step, a failure, an operator action. */
public record Event(String id, Instant at, String kind, Optional<String> subject, String detail) {}
