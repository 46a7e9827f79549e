package dev.warren.stream;

import java.io.IOException;
import java.nio.ByteBuffer;

/** A VNC viewer's WebSocket (binary frames carrying RFB bytes), implemented by the API. Thread-safe. */
public interface VncSocket {
  /** Sends one binary frame and waits until it is written (back-pressure for the relay). */
  void sendBinary(ByteBuffer data) throws IOException;

  void close(CloseCode code, String reason);

  boolean isOpen();
}
