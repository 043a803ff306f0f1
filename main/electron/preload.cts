// Preload of the status window (DESIGN §9): sandboxed, so CommonJS with only `electron`
// available. It exposes the status API's base URL and its token (two strings) and one action, opening an error folder, asked
// once from the main process (which checks who asks). The renderer's type of `window.vhr` is
// derived from `bridge` below, so the two can never drift apart.
import { contextBridge, ipcRenderer } from 'electron';

// Same channel as CREDENTIALS_CHANNEL in windowOptions.ts (a sandboxed preload cannot import it).
const CREDENTIALS_CHANNEL = 'vhr:credentials';
// Same as OPEN_ERROR_FOLDER_CHANNEL in windowOptions.ts.
const OPEN_ERROR_FOLDER_CHANNEL = 'vhr:open-error-folder';

const credentials = ipcRenderer.sendSync(CREDENTIALS_CHANNEL) as { apiBaseUrl?: unknown; token?: unknown } | null;

const bridge = Object.freeze({
  apiBaseUrl: typeof credentials?.apiBaseUrl === 'string' ? credentials.apiBaseUrl : '',
  token: typeof credentials?.token === 'string' ? credentials.token : '',
  /** Opens one of the agent's error folders in the file manager (the app checks it is one). */
  openErrorFolder: (folder: string): Promise<boolean> => ipcRenderer.invoke(OPEN_ERROR_FOLDER_CHANNEL, folder) as Promise<boolean>,
});

export type VhrBridge = typeof bridge;

contextBridge.exposeInMainWorld('vhr', bridge);
