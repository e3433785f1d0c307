// Turns a picture into a Y4M video for Chromium's fake camera
// (--use-file-for-fake-video-capture), as if the picture were held up to a webcam.
import { readFileSync, writeFileSync } from "node:fs";
import { PNG } from "pngjs";

/** Writes `png` centred on a `width`x`height` grey "desk", `frames` frames, 4:2:0, as Y4M. */
export function pngToY4m(png, out, { width = 640, height = 480, frames = 10 } = {}) {
  const img = PNG.sync.read(readFileSync(png));
  const y = Buffer.alloc(width * height, 150);
  const ox = Math.floor((width - img.width) / 2);
  const oy = Math.floor((height - img.height) / 2);
  for (let row = 0; row < img.height; row++) {
    for (let col = 0; col < img.width; col++) {
      const x = ox + col;
      const yy = oy + row;
      if (x < 0 || yy < 0 || x >= width || yy >= height) continue;
      const i = (row * img.width + col) * 4; // pngjs always gives RGBA
      y[yy * width + x] = Math.round(0.299 * img.data[i] + 0.587 * img.data[i + 1] + 0.114 * img.data[i + 2]);
    }
  }
  const chroma = Buffer.alloc((width / 2) * (height / 2) * 2, 128); // grey: no colour
  const parts = [Buffer.from(`YUV4MPEG2 W${width} H${height} F15:1 Ip A1:1 C420jpeg\n`)];
  for (let f = 0; f < frames; f++) parts.push(Buffer.from("FRAME\n"), y, chroma);
  writeFileSync(out, Buffer.concat(parts));
}
