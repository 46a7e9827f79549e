package dev.warren.computer;

import dev.warren.computer.ComputerAction.Button;
import dev.warren.error.Problem;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferInt;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * A desktop driven over RFB (RFC 6143), the protocol of the VNC server every desktop sandbox runs:
 * PointerEvent and KeyEvent for input, a full FramebufferUpdateRequest answered in Raw encoding
 * (32-bit true colour, asked with SetPixelFormat) for screenshots. A shared connection: viewers of
 * the live view stay. Only "None" security is spoken (the VNC server listens on the sandbox's
 * loopback alone, reached by the controller). Owned by one request's thread.
 */
final class RfbSurface implements Surface {
  static final Duration READ_TIMEOUT = Duration.ofSeconds(10);
  private static final int RAW = 0;

  private final SocketChannel channel;
  private final String where;
  private final DataInputStream in;
  private final DataOutputStream out;
  private final Scale.Size size;
  private int buttons;

  private RfbSurface(SocketChannel channel, String where) throws IOException {
    this.channel = channel;
    this.where = where;
    channel.socket().setSoTimeout((int) READ_TIMEOUT.toMillis());
    channel.socket().setTcpNoDelay(true);
    this.in = new DataInputStream(new BufferedInputStream(channel.socket().getInputStream(), 64 * 1024));
    this.out = new DataOutputStream(new BufferedOutputStream(channel.socket().getOutputStream(), 4096));
    this.size = handshake();
  }

  /** Speaks RFB over {@code channel} (connected to the VNC server), which it then owns. */
  static RfbSurface open(SocketChannel channel, String where) {
    try {
      return new RfbSurface(channel, where);
    } catch (IOException | RuntimeException e) {
      try {
        channel.close();
      } catch (IOException c) {
        e.addSuppressed(c);
      }
      throw e instanceof ComputerException ce ? ce : failed("the RFB handshake", e);
    }
  }

  private Scale.Size handshake() throws IOException {
    byte[] version = in.readNBytes(12);
    String v = new String(version, StandardCharsets.US_ASCII);
    if (!v.startsWith("RFB 003.")) {
      throw new ComputerException(Problem.UNAVAILABLE, "the VNC server of " + where + " does not speak RFB (it said '" + v.strip() + "')");
    }
    boolean old = v.compareTo("RFB 003.007") < 0;
    out.write((old ? "RFB 003.003\n" : "RFB 003.008\n").getBytes(StandardCharsets.US_ASCII));
    out.flush();
    if (old) {
      int type = in.readInt();
      if (type != 1) {
        throw refused(type == 0 ? reason() : "it asks for security type " + type);
      }
    } else {
      int n = in.readUnsignedByte();
      if (n == 0) {
        throw refused(reason());
      }
      boolean none = false;
      for (byte t : in.readNBytes(n)) {
        none |= t == 1;
      }
      if (!none) {
        throw refused("it asks for a password (no \"None\" security offered)");
      }
      out.writeByte(1);
      out.flush();
      if (in.readInt() != 0) {
        throw refused(reason());
      }
    }
    out.writeByte(1); // shared: the live view's viewers stay
    out.flush();
    int w = in.readUnsignedShort();
    int h = in.readUnsignedShort();
    in.readNBytes(16);
    in.readNBytes(in.readInt());
    // 32-bit little-endian true colour, 0x00RRGGBB, and Raw encoding only
    out.writeByte(0);
    out.write(new byte[3]);
    out.write(new byte[] {32, 24, 0, 1, 0, (byte) 255, 0, (byte) 255, 0, (byte) 255, 16, 8, 0, 0, 0, 0});
    out.writeByte(2);
    out.writeByte(0);
    out.writeShort(1);
    out.writeInt(RAW);
    out.flush();
    return new Scale.Size(w, h);
  }

  private String reason() throws IOException {
    return new String(in.readNBytes(in.readInt()), StandardCharsets.UTF_8);
  }

  private ComputerException refused(String why) {
    return new ComputerException(Problem.UNAVAILABLE, "the VNC server of " + where + " refused the controller: " + why);
  }

  private static ComputerException failed(String what, Exception e) {
    return new ComputerException(Problem.UNAVAILABLE, what + " failed: " + e.getMessage(), e);
  }

  @Override
  public Scale.Size size() {
    return size;
  }

  @Override
  public BufferedImage capture() {
    try {
      out.writeByte(3);
      out.writeByte(0);
      out.writeShort(0);
      out.writeShort(0);
      out.writeShort(size.width());
      out.writeShort(size.height());
      out.flush();
      BufferedImage img = new BufferedImage(size.width(), size.height(), BufferedImage.TYPE_INT_RGB);
      int[] pixels = ((DataBufferInt) img.getRaster().getDataBuffer()).getData();
      while (true) {
        int type = in.readUnsignedByte();
        switch (type) {
          case 0 -> {
            in.readByte();
            int rects = in.readUnsignedShort();
            for (int i = 0; i < rects; i++) {
              rect(pixels);
            }
            return img;
          }
          case 1 -> {
            in.readByte();
            in.readUnsignedShort();
            in.readNBytes(6 * in.readUnsignedShort());
          }
          case 2 -> {
            // bell
          }
          case 3 -> {
            in.readNBytes(3);
            in.readNBytes(in.readInt());
          }
          default -> throw new ComputerException(Problem.UNAVAILABLE, "the VNC server of " + where + " sent message type " + type
              + ", which RFB 3.8 does not have");
        }
      }
    } catch (IOException e) {
      throw failed("a screenshot of " + where, e);
    }
  }

  private void rect(int[] pixels) throws IOException {
    int x = in.readUnsignedShort();
    int y = in.readUnsignedShort();
    int w = in.readUnsignedShort();
    int h = in.readUnsignedShort();
    int enc = in.readInt();
    if (enc != RAW) {
      throw new ComputerException(Problem.UNAVAILABLE, "the VNC server of " + where + " answered in encoding " + enc + ", not Raw");
    }
    if (x + w > size.width() || y + h > size.height()) {
      throw new ComputerException(Problem.UNAVAILABLE, "the VNC server of " + where + " sent a rectangle " + w + "x" + h + " at " + x + ","
          + y + " outside its " + size + " screen");
    }
    byte[] row = new byte[w * 4];
    for (int r = 0; r < h; r++) {
      in.readFully(row);
      ByteBuffer.wrap(row).order(ByteOrder.LITTLE_ENDIAN).asIntBuffer().get(pixels, (y + r) * size.width() + x, w);
    }
  }

  @Override
  public void move(int x, int y) {
    pointer(x, y);
  }

  @Override
  public void button(int x, int y, Button b, boolean down, int clickCount) {
    int bit = switch (b) {
      case LEFT -> 1;
      case MIDDLE -> 2;
      case RIGHT -> 4;
    };
    buttons = down ? buttons | bit : buttons & ~bit;
    pointer(x, y);
  }

  @Override
  public void wheel(int x, int y, int dx, int dy) {
    // X's wheel is buttons 4 (up), 5 (down), 6 (left), 7 (right), one click per press
    int vertical = dy > 0 ? 16 : 8;
    int horizontal = dx > 0 ? 64 : 32;
    for (int i = 0; i < Math.abs(dy); i++) {
      pointerMask(x, y, buttons | vertical);
      pointer(x, y);
    }
    for (int i = 0; i < Math.abs(dx); i++) {
      pointerMask(x, y, buttons | horizontal);
      pointer(x, y);
    }
  }

  private void pointer(int x, int y) {
    pointerMask(x, y, buttons);
  }

  private void pointerMask(int x, int y, int mask) {
    try {
      out.writeByte(5);
      out.writeByte(mask);
      out.writeShort(x);
      out.writeShort(y);
      out.flush();
    } catch (IOException e) {
      throw failed("pointer input to " + where, e);
    }
  }

  @Override
  public void key(Keys.Key k, boolean down, int modifiers) {
    try {
      out.writeByte(4);
      out.writeByte(down ? 1 : 0);
      out.writeShort(0);
      out.writeInt(k.keysym());
      out.flush();
    } catch (IOException e) {
      throw failed("key input to " + where, e);
    }
  }

  @Override
  public void type(String text) {
    text.codePoints().forEach(cp -> {
      Keys.Key k = Keys.character(cp);
      key(k, true, 0);
      key(k, false, 0);
    });
  }

  @Override
  public void close() {
    try {
      channel.close();
    } catch (IOException e) {
      // the connection is ours alone; nothing waits on it
    }
  }
}
