// The floor for `cargo xtask bench live`: two peer connections in one Chromium page on
// loopback, sending a canvas with the same capture-time strip as Ward's agents, H.264
// constrained baseline, the same size and rate. Measures offer-to-first-decoded-frame and
// glass-to-glass latency the same way the Ward measurement does.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import path from "node:path";

const STAMP = readFileSync(path.join(path.dirname(fileURLToPath(import.meta.url)), "../lib/stamp.js"), "utf8");

/** One try: { firstFrameMs, latencies: [ms...] } over `sampleMs` of playing. */
export async function baselineTry(browser, { width = 640, height = 360, fps = 15, sampleMs = 3000 } = {}) {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto("about:blank");
  await page.evaluate(STAMP);
  const result = await page.evaluate(
    async ({ width, height, fps, sampleMs }) => {
      const canvas = document.createElement("canvas");
      canvas.width = width;
      canvas.height = height;
      document.body.append(canvas);
      const ctx = canvas.getContext("2d");
      let n = 0;
      const draw = () => {
        ctx.fillStyle = "#3c4a5a";
        ctx.fillRect(0, 0, width, height);
        ctx.fillStyle = "#c8c8c8";
        ctx.fillRect((n++ * Math.max(1, width >> 6)) % (width - (width >> 4)), height >> 2, width >> 4, height >> 1);
        globalThis.wardDrawStamp(ctx, width, height, Date.now());
      };
      draw();
      const timer = setInterval(draw, 1000 / fps);
      const stream = canvas.captureStream(fps);

      const video = document.createElement("video");
      video.muted = true;
      video.playsInline = true;
      document.body.append(video);
      const t0 = performance.now();
      const pc1 = new RTCPeerConnection();
      const pc2 = new RTCPeerConnection();
      pc1.onicecandidate = (e) => e.candidate && pc2.addIceCandidate(e.candidate);
      pc2.onicecandidate = (e) => e.candidate && pc1.addIceCandidate(e.candidate);
      pc1.addTransceiver(stream.getVideoTracks()[0], { direction: "sendonly" });
      const got = new Promise((resolve) => {
        pc2.ontrack = (e) => resolve(e);
      });
      await pc1.setLocalDescription(await pc1.createOffer());
      await pc2.setRemoteDescription(pc1.localDescription);
      const h264 = RTCRtpReceiver.getCapabilities("video").codecs.filter(
        (c) => c.mimeType === "video/H264" && /42e01f/.test(c.sdpFmtpLine ?? "") && /packetization-mode=1/.test(c.sdpFmtpLine ?? ""),
      );
      pc2.getTransceivers()[0].setCodecPreferences(h264);
      await pc2.setLocalDescription(await pc2.createAnswer());
      await pc1.setRemoteDescription(pc2.localDescription);
      const track = await got;
      video.srcObject = new MediaStream([track.track]);
      video.play();

      const firstFrameMs = await new Promise((resolve) => {
        video.requestVideoFrameCallback(() => resolve(performance.now() - t0));
      });
      const latencies = await globalThis.wardSampleLatencies(video, sampleMs);
      const codec = [...(await pc2.getStats()).values()].find((s) => s.type === "codec")?.mimeType;
      clearInterval(timer);
      pc1.close();
      pc2.close();
      return { firstFrameMs, latencies, codec };
    },
    { width, height, fps, sampleMs },
  );
  await context.close();
  return result;
}
