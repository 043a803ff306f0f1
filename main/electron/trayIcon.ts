// The tray icon's picture: a filled circle in the health colour, drawn as raw BGRA pixels so
// the app ships no image files per state and the drawing is testable under plain Node.
import type { HealthLevel } from '../api/health.js';

const COLOURS: Record<HealthLevel | 'starting', [number, number, number]> = {
  ok: [0x06, 0x76, 0x47],
  warning: [0xdc, 0x68, 0x03],
  error: [0xb4, 0x23, 0x18],
  starting: [0x66, 0x70, 0x85],
};

/** A `size`×`size` BGRA bitmap (for nativeImage.createFromBitmap). */
export function trayBitmap(level: HealthLevel | 'starting', size = 32): Buffer {
  const [r, g, b] = COLOURS[level];
  const buf = Buffer.alloc(size * size * 4);
  const c = (size - 1) / 2;
  const radius = size / 2 - 1;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const d = Math.hypot(x - c, y - c);
      // One pixel of soft edge keeps the circle round at small sizes.
      const alpha = Math.max(0, Math.min(1, radius - d + 0.5));
      const i = (y * size + x) * 4;
      buf[i] = b;
      buf[i + 1] = g;
      buf[i + 2] = r;
      buf[i + 3] = Math.round(alpha * 255);
    }
  }
  return buf;
}

export const TRAY_TOOLTIP: Record<HealthLevel | 'starting', string> = {
  ok: 'VHR Agent — Đồng bộ bình thường',
  warning: 'VHR Agent — Cần chú ý',
  error: 'VHR Agent — Có lỗi, mở để xem cách xử lý',
  starting: 'VHR Agent — Đang khởi động',
};
