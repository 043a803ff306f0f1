// A bearer token kept for this tab only (sessionStorage: gone when the tab closes, DESIGN §9),
// taken from the `#token=` fragment of the link that opened the page and removed from the
// address bar at once. The status UI and the first-run setup page each keep their own.

/** Keeps `token` under `key` for this tab; with storage disabled it lives in memory only. */
export function keepTabToken(key: string, token: string): void {
  try {
    sessionStorage.setItem(key, token);
  } catch {
    // storage disabled: the token lives in memory only
  }
}

export function forgetTabToken(key: string): void {
  try {
    sessionStorage.removeItem(key);
  } catch {
    // nothing kept
  }
}

/** The link's token (kept, and the address bar replaced by `cleanUrl`), else the one this tab kept. */
export function takeTabToken(key: string, cleanUrl: string): string | null {
  const m = /(?:^#|&)token=([^&]+)/.exec(location.hash);
  if (m) {
    const token = decodeURIComponent(m[1]!);
    keepTabToken(key, token);
    history.replaceState(null, '', cleanUrl);
    return token;
  }
  try {
    return sessionStorage.getItem(key);
  } catch {
    return null;
  }
}
