// The status window's options and the rules for what it may load (DESIGN §9). Pure data and
// pure functions, with no Electron import, so a unit test under plain Node pins them exactly.

/** Channel on which the preload asks for the API base URL and token. */
export const CREDENTIALS_CHANNEL = 'vhr:credentials';
/** The error-files panel asks the app to open an error folder in the file manager. */
export const OPEN_ERROR_FOLDER_CHANNEL = 'vhr:open-error-folder';

export interface StatusWindowOptions {
  width: number;
  height: number;
  minWidth: number;
  minHeight: number;
  title: string;
  show: boolean;
  backgroundColor: string;
  autoHideMenuBar: boolean;
  webPreferences: {
    preload: string;
    contextIsolation: true;
    sandbox: true;
    nodeIntegration: false;
    nodeIntegrationInWorker: false;
    nodeIntegrationInSubFrames: false;
    webSecurity: true;
    allowRunningInsecureContent: false;
    webviewTag: false;
    navigateOnDragDrop: false;
    spellcheck: false;
    devTools: boolean;
  };
}

export function statusWindowOptions(preloadPath: string, opts: { devTools?: boolean } = {}): StatusWindowOptions {
  return {
    width: 1280,
    height: 860,
    minWidth: 900,
    minHeight: 600,
    title: 'VHR Agent',
    show: false,
    backgroundColor: '#f5f7fa',
    autoHideMenuBar: true,
    webPreferences: {
      preload: preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      spellcheck: false,
      devTools: opts.devTools ?? false,
    },
  };
}

/** The Content-Security-Policy the window enforces on top of the one the agent sends. */
export const WINDOW_CSP = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; form-action 'none'; base-uri 'none'; object-src 'none'";

/**
 * Navigation is denied, always: the UI routes by URL fragment, which never counts as a
 * navigation, so any real one is a link or a script trying to leave the app.
 */
export function allowNavigation(_url: string): boolean {
  return false;
}

/** window.open and target=_blank are denied, always. */
export const WINDOW_OPEN_REPLY = { action: 'deny' } as const;

/** Only the agent's own origin may ask for the credentials (the preload runs in that frame). */
export function mayReceiveCredentials(frameUrl: string | undefined, apiBaseUrl: string): boolean {
  if (!frameUrl) return false;
  try {
    return new URL(frameUrl).origin === new URL(apiBaseUrl).origin;
  } catch {
    return false;
  }
}

/** Permission requests (camera, notifications, geolocation, …): none is needed, all are refused. */
export function allowPermission(_permission: string): boolean {
  return false;
}
