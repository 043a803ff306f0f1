import { describe, expect, it } from 'vitest';
import { allowNavigation, allowPermission, mayReceiveCredentials, statusWindowOptions, WINDOW_CSP, WINDOW_OPEN_REPLY } from './windowOptions.js';

describe('status window options (DESIGN §9)', () => {
  it('pins the exact BrowserWindow options', () => {
    expect(statusWindowOptions('/app/dist/main/electron/preload.cjs')).toStrictEqual({
      width: 1280,
      height: 860,
      minWidth: 900,
      minHeight: 600,
      title: 'VHR Agent',
      show: false,
      backgroundColor: '#f5f7fa',
      autoHideMenuBar: true,
      webPreferences: {
        preload: '/app/dist/main/electron/preload.cjs',
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
        devTools: false,
      },
    });
  });

  it('denies navigation, window.open and permissions', () => {
    expect(allowNavigation('http://127.0.0.1:8123/')).toBe(false);
    expect(allowNavigation('https://example.org/')).toBe(false);
    expect(WINDOW_OPEN_REPLY).toStrictEqual({ action: 'deny' });
    expect(allowPermission('media')).toBe(false);
    expect(allowPermission('notifications')).toBe(false);
  });

  it('gives the credentials only to the agent origin', () => {
    expect(mayReceiveCredentials('http://127.0.0.1:8123/#/overview', 'http://127.0.0.1:8123')).toBe(true);
    expect(mayReceiveCredentials('http://127.0.0.1:8124/', 'http://127.0.0.1:8123')).toBe(false);
    expect(mayReceiveCredentials('https://evil.example/', 'http://127.0.0.1:8123')).toBe(false);
    expect(mayReceiveCredentials(undefined, 'http://127.0.0.1:8123')).toBe(false);
  });

  it('enforces a CSP as strict as the agent one', () => {
    expect(WINDOW_CSP).toContain("default-src 'self'");
    expect(WINDOW_CSP).toContain("script-src 'self'");
    expect(WINDOW_CSP).not.toContain('unsafe');
  });
});

describe('tray icon', async () => {
  const { trayBitmap } = await import('./trayIcon.js');
  it('draws an opaque centre and a transparent corner in the health colour', () => {
    const px = trayBitmap('error', 16);
    expect(px).toHaveLength(16 * 16 * 4);
    const centre = (8 * 16 + 8) * 4;
    expect([px[centre + 2], px[centre + 1], px[centre], px[centre + 3]]).toEqual([0xb4, 0x23, 0x18, 255]);
    expect(px[3]).toBe(0);
  });
});
