// Reads a PNG (8-bit RGB or RGBA, not interlaced: what Chromium and Warren write) with node:zlib alone, so
// tests can look at a screenshot's pixels. Shared by the interop tests and the TypeScript SDK's tests.
import { inflateSync } from 'node:zlib';

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** { width, height, rgb(x, y) } of a PNG given as bytes or base64; throws on anything that is not a PNG. */
export function readPng(input) {
  const png = typeof input === 'string' ? Buffer.from(input, 'base64') : Buffer.from(input);
  if (!png.subarray(0, 8).equals(SIGNATURE)) throw new Error(`not a PNG: starts with ${png.subarray(0, 8).toString('hex')}`);
  let width, height, channels;
  const idat = [];
  for (let at = 8; at < png.length;) {
    const length = png.readUInt32BE(at);
    const type = png.toString('latin1', at + 4, at + 8);
    const data = png.subarray(at + 8, at + 8 + length);
    if (type === 'IHDR') {
      [width, height] = [data.readUInt32BE(0), data.readUInt32BE(4)];
      const [depth, colour, interlace] = [data[8], data[9], data[12]];
      channels = { 2: 3, 6: 4 }[colour];
      if (depth !== 8 || !channels || interlace !== 0) throw new Error(`unsupported PNG: depth ${depth}, colour type ${colour}, interlace ${interlace}`);
    } else if (type === 'IDAT') {
      idat.push(data);
    } else if (type === 'IEND') {
      break;
    }
    at += 12 + length;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  const pixels = Buffer.alloc(stride * height);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    const row = y * stride;
    for (let i = 0; i < stride; i++) {
      const a = i >= channels ? pixels[row + i - channels] : 0;
      const b = y > 0 ? pixels[row - stride + i] : 0;
      const c = i >= channels && y > 0 ? pixels[row - stride + i - channels] : 0;
      const p = a + b - c;
      const paeth = Math.abs(p - a) <= Math.abs(p - b) && Math.abs(p - a) <= Math.abs(p - c) ? a : Math.abs(p - b) <= Math.abs(p - c) ? b : c;
      const predictor = [0, a, b, (a + b) >> 1, paeth][filter];
      if (predictor === undefined) throw new Error(`bad PNG filter ${filter} on row ${y}`);
      pixels[row + i] = (line[i] + predictor) & 0xff;
    }
  }
  const rgb = (x, y) => {
    const at = y * stride + x * channels;
    return (pixels[at] << 16) | (pixels[at + 1] << 8) | pixels[at + 2];
  };
  return { width, height, rgb };
}
