package dev.warren.computer;

import dev.warren.error.Problem;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import javax.imageio.ImageIO;

/** Screenshots as PNG, scaled to the caller's screen space. Stateless. */
public final class Png {
  private Png() {}

  public static byte[] encode(BufferedImage image, Scale.Size to) {
    BufferedImage out = image;
    if (image.getWidth() != to.width() || image.getHeight() != to.height()) {
      out = new BufferedImage(to.width(), to.height(), BufferedImage.TYPE_INT_RGB);
      var g = out.createGraphics();
      try {
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        g.setRenderingHint(RenderingHints.KEY_RENDERING, RenderingHints.VALUE_RENDER_QUALITY);
        g.drawImage(image, 0, 0, to.width(), to.height(), null);
      } finally {
        g.dispose();
      }
    }
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(64 * 1024);
    try {
      if (!ImageIO.write(out, "png", bytes)) {
        throw new ComputerException(Problem.INTERNAL, "this JVM has no PNG writer");
      }
    } catch (IOException e) {
      throw new ComputerException(Problem.INTERNAL, "cannot encode the screenshot as PNG: " + e.getMessage(), e);
    }
    return bytes.toByteArray();
  }

  public static BufferedImage decode(byte[] png) {
    try {
      BufferedImage i = ImageIO.read(new java.io.ByteArrayInputStream(png));
      if (i == null) {
        throw new ComputerException(Problem.CONFLICT, "the screenshot is not an image this JVM reads");
      }
      return i;
    } catch (IOException e) {
      throw new ComputerException(Problem.CONFLICT, "cannot read the screenshot: " + e.getMessage(), e);
    }
  }
}
