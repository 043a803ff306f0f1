// Where the UI gets the API's base URL and bearer token (DESIGN §9): from the Electron preload
// when shown in the app, otherwise from the `#token=` fragment of the uiUrl in api.json, kept in
// sessionStorage (gone when the tab closes) and removed from the address bar at once.
import { forgetTabToken, keepTabToken, takeTabToken } from './tabToken.js';

const STORAGE_KEY = 'vhr.token';

export interface Credentials {
  baseUrl: string;
  token: string;
}

/** On the hospital LAN (https, docs/service.md §5) the page signs in instead of using the token link. */
export const onLan = (): boolean => location.protocol === 'https:' && !window.vhr;

/** Keeps a session token from the sign-in, like the token of the link: this tab only. */
export function keepSessionToken(token: string): Credentials {
  keepTabToken(STORAGE_KEY, token);
  return { baseUrl: location.origin, token };
}

export function forgetCredentials(): void {
  forgetTabToken(STORAGE_KEY);
}

export function readCredentials(): Credentials | null {
  const bridge = window.vhr;
  if (bridge) return { baseUrl: bridge.apiBaseUrl, token: bridge.token };
  const token = takeTabToken(STORAGE_KEY, `${location.pathname}${location.search}#/overview`);
  return token ? { baseUrl: location.origin, token } : null;
}
