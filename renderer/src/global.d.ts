// The Electron preload's bridge, typed from the preload itself so the two cannot drift.
import type { VhrBridge } from '../../main/electron/preload.cjs';

declare global {
  interface Window {
    /** Present only inside the VHR Agent app. */
    vhr?: VhrBridge;
  }
}
