// Where the UI gets the API's base URL and bearer token (DESIGN §9): from the Electron preload
// when shown in the app, otherwise from the `#token=` fragment of the uiUrl in api.json, kept in
// sessionStorage (gone when the tab closes) and removed from the address bar at once.
const STORAGE_KEY = 'vhr.token';

export interface Credentials {
  baseUrl: string;
  token: string;
}

/** On the hospital LAN (https, docs/service.md §5) the page signs in instead of using the token link. */
export const onLan = (): boolean => location.protocol === 'https:' && !window.vhr;

/** Keeps a session token from the sign-in, like the token of the link: this tab only. */
export function keepSessionToken(token: string): Credentials {
  try {
    sessionStorage.setItem(STORAGE_KEY, token);
  } catch {
    // storage disabled: the session lasts for this page only
  }
  return { baseUrl: location.origin, token };
}

export function forgetCredentials(): void {
  try {
    sessionStorage.removeItem(STORAGE_KEY);
  } catch {
    // nothing kept
  }
}

export function readCredentials(): Credentials | null {
  const bridge = window.vhr;
  if (bridge) return { baseUrl: bridge.apiBaseUrl, token: bridge.token };
  const m = /(?:^#|&)token=([^&]+)/.exec(location.hash);
  if (m) {
    const token = decodeURIComponent(m[1]!);
    try {
      sessionStorage.setItem(STORAGE_KEY, token);
    } catch {
      // storage disabled: the token lives in memory only
    }
    history.replaceState(null, '', `${location.pathname}${location.search}#/overview`);
    return { baseUrl: location.origin, token };
  }
  let token: string | null = null;
  try {
    token = sessionStorage.getItem(STORAGE_KEY);
  } catch {
    token = null;
  }
  return token ? { baseUrl: location.origin, token } : null;
}
