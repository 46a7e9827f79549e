package dev.warren.client;

public interface Warren {
}
