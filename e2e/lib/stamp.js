// The capture-time strip of ward-live's test picture (live/src/pattern.rs), in the browser:
// `wardReadStamp` reads it from a decoded video frame; `wardDrawStamp` draws the same strip
// on a canvas for the Chromium-to-Chromium baseline. Keep the geometry in step with Rust.
(() => {
  const STAMP_BITS = 48;
  const CHECK_BITS = 8;
  const CELLS = 1 + STAMP_BITS + CHECK_BITS + 1;
  const geometry = (w, h) => {
    const cell = Math.max(2, Math.floor(w / (CELLS + 4)));
    return { left: cell * 2, top: h - cell * 2, cell };
  };
  const checkOf = (stamp) => {
    let c = 0;
    for (let i = 0; i < 6; i++) c ^= Number((BigInt(stamp) >> BigInt(8 * i)) & 0xffn);
    return c;
  };
  /** The stamp (Unix ms) in RGBA `data` of a w×h frame, or null when unreadable. */
  globalThis.wardReadStamp = (data, w, h) => {
    const { left, top, cell } = geometry(w, h);
    const bit = (i) => {
      const x = left + i * cell + (cell >> 1);
      const y = top + (cell >> 1);
      const o = (y * w + x) * 4;
      return 0.299 * data[o] + 0.587 * data[o + 1] + 0.114 * data[o + 2] >= 128;
    };
    if (!bit(0) || bit(CELLS - 1)) return null;
    let stamp = 0n;
    for (let i = 1; i <= STAMP_BITS; i++) stamp = (stamp << 1n) | (bit(i) ? 1n : 0n);
    let check = 0;
    for (let i = 1 + STAMP_BITS; i < 1 + STAMP_BITS + CHECK_BITS; i++) check = (check << 1) | (bit(i) ? 1 : 0);
    return check === checkOf(stamp) ? Number(stamp) : null;
  };
  /** Draws the strip for `millis` on a 2D context of a w×h canvas. */
  globalThis.wardDrawStamp = (ctx, w, h, millis) => {
    const { left, top, cell } = geometry(w, h);
    const stamp = BigInt(millis) & ((1n << 48n) - 1n);
    const check = checkOf(stamp);
    ctx.fillStyle = "#808080";
    ctx.fillRect(left - (cell >> 1), top - (cell >> 1), CELLS * cell + cell, cell * 2);
    const bits = [true];
    for (let i = STAMP_BITS - 1; i >= 0; i--) bits.push(((stamp >> BigInt(i)) & 1n) === 1n);
    for (let i = CHECK_BITS - 1; i >= 0; i--) bits.push(((check >> i) & 1) === 1);
    bits.push(false);
    bits.forEach((on, i) => {
      ctx.fillStyle = on ? "#ffffff" : "#000000";
      ctx.fillRect(left + i * cell, top, cell, cell);
    });
  };

  // Reads the capture time of every frame `video` shows for `ms`, answering the latencies
  // (receive time minus capture time, in ms). Shared by the live bench and its baseline.
  globalThis.wardSampleLatencies = (video, ms) => {
    const reader = document.createElement("canvas").getContext("2d", { willReadFrequently: true });
    const latencies = [];
    const end = performance.now() + ms;
    return new Promise((resolve) => {
      const onFrame = () => {
        const now = Date.now();
        reader.canvas.width = video.videoWidth;
        reader.canvas.height = video.videoHeight;
        reader.drawImage(video, 0, 0);
        const img = reader.getImageData(0, 0, video.videoWidth, video.videoHeight);
        const stamp = globalThis.wardReadStamp(img.data, video.videoWidth, video.videoHeight);
        if (stamp !== null) latencies.push(now - stamp);
        if (performance.now() < end) video.requestVideoFrameCallback(onFrame);
        else resolve(latencies);
      };
      video.requestVideoFrameCallback(onFrame);
    });
  };
})();
