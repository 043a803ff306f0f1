// The status screen from another desk (docs/service.md §5), in Debian's headless Chromium over
// TLS: the agent's LAN listener (bound to 127.0.0.1 for the test) with its generated
// certificate, pinned by fingerprint; two people with different roles; an officer may resend
// but not pause or change the configuration; wrong passwords lock the account; the audit log
// names each person. The loopback screen with its token is untouched (test/ui/ui.test.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:tls';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { Agent } from '../../main/agent/agent.js';
import { parseConfigText } from '../../main/config/load.js';
import { createLogger } from '../../main/log.js';
import { startLocalFhirStore, type LocalFhirStore } from '../../main/localstore/fhirStore.js';
import { runUsers } from '../../main/commands/users.js';
import { CLI } from '../support/agentProcess.js';
import { envelopeOf, manyClaims } from '../support/claimXml.js';
import { waitFor } from '../support/waitFor.js';
import { buildUi, launchChromium } from './harness.js';

/** Each sign-in costs a 64 MiB scrypt: on a busy machine a second or more. */
const SLOW = { timeout: 20_000, interval: 100 };

const OFFICER = { user: 'lan.nguyen', password: 'ngựa-vằn-bảy-sắc' };
const ADMIN = { user: 'it.tran', password: 'quản-trị-mạng-2026' };

let dataDir: string;
let fhir: LocalFhirStore;
let agent: Agent;
let chromium: Awaited<ReturnType<typeof launchChromium>>;
let browser: Browser;
let lanUrl: string;

/** The page's session token (run inside the page). */
const pageToken = () => (globalThis as unknown as { sessionStorage: { getItem(k: string): string | null } }).sessionStorage.getItem('vhr.token');

/** The certificate the listener really presents, read over a raw TLS connection. */
function presentedFingerprint(url: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const s = connect({ host: hostname, port: Number(port), rejectUnauthorized: false, servername: 'localhost' }, () => {
      resolve(s.getPeerX509Certificate()!.fingerprint256);
      s.end();
    });
    s.on('error', reject);
  });
}

beforeAll(async () => {
  await buildUi();
  dataDir = mkdtempSync(join(tmpdir(), 'vhr-lan-'));
  fhir = await startLocalFhirStore({ bases: ['province', 'ministry'] });
  const yaml = `
facility: { code: "94170", name: "Bệnh viện Đa khoa tỉnh (thử nghiệm)" }
dataDir: ${JSON.stringify(dataDir)}
sources:
  - { id: his-xml, type: folder, path: ${JSON.stringify(join(dataDir, 'inbox'))}, quietMs: 50 }
destinations:
  - { id: province, type: fhir, baseUrl: "${fhir.baseUrl('province')}", timeoutMs: 5000 }
  - { id: ministry, type: fhir, baseUrl: "${fhir.baseUrl('ministry')}", timeoutMs: 5000 }
statusApi:
  host: 127.0.0.1
  port: 0
  lan: { enabled: true, host: 127.0.0.1, port: 0, names: [localhost] }   # no tls files: a certificate is generated
retry: { baseDelayMs: 20, maxDelayMs: 200, jitter: 0 }
`;
  const config = parseConfigText(yaml, dataDir);
  writeFileSync(join(dataDir, 'config.yaml'), yaml);
  agent = new Agent(config, { logger: createLogger({ dataDir }), eventIntervalMs: 250 });
  await agent.start();
  lanUrl = agent.lanInfo!.url.replace('127.0.0.1', 'localhost');

  // The officer through the real command line, the password piped on standard input (never argv);
  // the administrator through the same command's module.
  const added = spawnSync(process.execPath, [CLI, 'users', 'add', '--config', join(dataDir, 'config.yaml'), '--role', 'officer', OFFICER.user], { input: `${OFFICER.password}\n`, encoding: 'utf8' });
  expect(added.stderr).toBe('');
  expect(added.status).toBe(0);
  const out: string[] = [];
  const code = await runUsers(config, 'add', { username: ADMIN.user, role: 'admin' }, { readPassword: async () => ADMIN.password, out: (t) => out.push(t), err: (t) => out.push(t) });
  expect(code).toBe(0);

  const inbox = join(dataDir, 'inbox');
  writeFileSync(join(inbox, 'day.xml.part'), envelopeOf(manyClaims(3, 'LK26030100')));
  renameSync(join(inbox, 'day.xml.part'), join(inbox, 'day.xml'));
  await waitFor(() => agent.status().destinations.every((d) => d.delivered === 3), { what: 'three records delivered to both stores', timeoutMs: 30_000 });

  chromium = await launchChromium();
  browser = chromium.browser;
}, 120_000);

afterAll(async () => {
  await chromium?.close();
  await agent?.stop();
  await fhir?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

/** A desk of its own: a fresh browser profile that accepts the agent's self-signed certificate. */
async function desk(): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ ignoreHTTPSErrors: true, locale: 'vi-VN', viewport: { width: 1280, height: 900 } });
  return { context, page: await context.newPage() };
}

async function signIn(page: Page, who: { user: string; password: string }): Promise<void> {
  await page.goto(`${lanUrl}/`);
  await page.getByTestId('sign-in-user').fill(who.user);
  await page.getByTestId('sign-in-password').fill(who.password);
  await page.getByTestId('sign-in-submit').click();
}

const auditRows = () => agent.store.auditLog(200);

describe('status screen on the LAN', { timeout: 180_000 }, () => {
  it('is served over TLS with the generated certificate whose fingerprint the agent shows; plain HTTP gets nothing', async () => {
    expect(lanUrl).toMatch(/^https:\/\/localhost:\d+$/);
    expect(await presentedFingerprint(lanUrl)).toBe(agent.lanInfo!.fingerprint256);
    await expect(fetch(lanUrl.replace('https:', 'http:'))).rejects.toThrow();
    // No session: no data, even for the endpoints the loopback token opens.
    const { context, page } = await desk();
    try {
      await page.goto(`${lanUrl}/`);
      const status = await page.evaluate(async () => (await fetch('/api/status')).status);
      expect(status).toBe(401);
      expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe('Đồng bộ hồ sơ sức khỏe — Đăng nhập');
    } finally {
      await context.close();
    }
  });

  it('a records officer sees the screen and may resend, but may not pause a destination or change the configuration', async () => {
    const { context, page } = await desk();
    try {
      await signIn(page, OFFICER);
      await expect.poll(() => page.getByTestId('signed-in-as').innerText(), SLOW).toBe('lan.nguyen (cán bộ hồ sơ)');
      await page.getByTestId('delivered-province').waitFor();
      expect(Number((await page.getByTestId('delivered-province').innerText()).replace(/\D/g, ''))).toBe(3);

      // Pausing is the administrator's: refused, and nothing changed.
      await page.getByTestId('pause-province').click();
      await page.getByTestId('confirm-ok').click();
      await expect.poll(() => page.getByTestId('notice').innerText(), SLOW).toMatch(/chỉ quản trị CNTT/);
      expect(agent.store.pausedDestinations()).toEqual([]);

      // Resending a record is the officer's job.
      const id = agent.store.listMessages(1)[0]!.id;
      await page.goto(`${lanUrl}/#/records/${id}`);
      await page.getByTestId('resend').click();
      await page.getByTestId('confirm-ok').click();
      await expect.poll(() => page.getByTestId('notice').innerText(), SLOW).toMatch(/Đã thực hiện: 1/);

      // The configuration is neither shown nor imported for an officer.
      await page.goto(`${lanUrl}/#/settings`);
      await expect.poll(() => page.locator('p.error[role=alert]').first().innerText(), SLOW).toMatch(/chỉ quản trị CNTT/);
      const token = await page.evaluate(pageToken);
      const imported = await page.evaluate(async (bearer) => {
        const res = await fetch('/api/config/import', { method: 'POST', headers: { Authorization: `Bearer ${bearer}`, 'Content-Type': 'application/json' }, body: '{}' });
        return [res.status, ((await res.json()) as { error: string }).error];
      }, token);
      expect(imported).toEqual([403, 'forbidden']);

      const mine = auditRows().filter((a) => a.actor === 'lan.nguyen@lan');
      expect(mine.map((a) => a.action)).toEqual(['resend', 'signed_in']);
      expect(mine[0]!.target).toBe(String(id));
    } finally {
      await context.close();
    }
  });

  it('an IT administrator may pause and resume; the audit log names that person', async () => {
    const { context, page } = await desk();
    try {
      await signIn(page, ADMIN);
      await expect.poll(() => page.getByTestId('signed-in-as').innerText(), SLOW).toBe('it.tran (quản trị CNTT)');
      await page.getByTestId('pause-province').click();
      await page.getByTestId('confirm-ok').click();
      await waitFor(() => agent.store.pausedDestinations().includes('province'), { what: 'province paused' });
      await page.getByTestId('resume-province').click();
      await page.getByTestId('confirm-ok').click();
      await waitFor(() => agent.store.pausedDestinations().length === 0, { what: 'province resumed' });

      await page.goto(`${lanUrl}/#/settings`);
      const audit = page.getByTestId('audit');
      await expect.poll(() => audit.innerText(), SLOW).toMatch(/it\.tran@lan/);
      const text = await audit.innerText();
      expect(text).toMatch(/lan\.nguyen@lan/);
      // Importing a ministry file is the administrator's; this one is refused (not signed), and
      // the log says who sent it beside the ministry's own row.
      const imported = await page.evaluate(async (bearer) => {
        const res = await fetch('/api/config/import', { method: 'POST', headers: { Authorization: `Bearer ${bearer}`, 'Content-Type': 'application/json' }, body: '{}' });
        return res.status;
      }, await page.evaluate(pageToken));
      expect(imported).toBe(422);
      const admin = auditRows().filter((a) => a.actor === 'it.tran@lan');
      expect(admin.map((a) => [a.action, a.target])).toEqual([
        ['config_imported', null],
        ['resume_destination', 'province'],
        ['pause_destination', 'province'],
        ['signed_in', 'it.tran'],
      ]);

      // Signing out ends the session on the agent, not only in the page.
      const token = await page.evaluate(pageToken);
      await page.getByTestId('sign-out').click();
      await page.getByTestId('sign-in-submit').waitFor();
      const reused = await page.evaluate(async (bearer) => (await fetch('/api/session', { headers: { Authorization: `Bearer ${bearer}` } })).status, token);
      expect(reused).toBe(401);
      expect(auditRows().filter((a) => a.actor === 'it.tran@lan')[0]!.action).toBe('signed_out');
    } finally {
      await context.close();
    }
  });

  it('locks an account after 5 wrong passwords: the right one is refused too, and each attempt is audited', async () => {
    const { context, page } = await desk();
    try {
      await page.goto(`${lanUrl}/`);
      for (let i = 1; i <= 5; i++) {
        await page.getByTestId('sign-in-user').fill(OFFICER.user);
        await page.getByTestId('sign-in-password').fill(`sai-mật-khẩu-${i}`);
        await page.getByTestId('sign-in-submit').click();
        await expect.poll(() => page.getByTestId('sign-in-error').innerText(), SLOW).toBe(i < 5 ? 'Sai tên đăng nhập hoặc mật khẩu.' : 'Nhập sai quá nhiều lần. Hãy thử lại sau 15 phút, hoặc nhờ bộ phận CNTT đặt lại mật khẩu.');
        await expect.poll(() => page.getByTestId('sign-in-submit').isEnabled(), SLOW).toBe(true);
      }
      await page.getByTestId('sign-in-password').fill(OFFICER.password);
      await page.getByTestId('sign-in-submit').click();
      await expect.poll(() => page.getByTestId('sign-in-error').innerText(), SLOW).toMatch(/Nhập sai quá nhiều lần/);
      expect(await page.getByTestId('signed-in-as').count()).toBe(0);

      // In English too.
      await page.getByTestId('lang-switch').click();
      expect(await page.getByTestId('sign-in-submit').innerText()).toBe('Sign in');

      const refusals = auditRows().filter((a) => a.target === OFFICER.user && ['sign_in_refused', 'account_locked'].includes(a.action));
      expect(refusals.filter((a) => a.action === 'sign_in_refused')).toHaveLength(5);
      expect(refusals.filter((a) => a.action === 'account_locked')).toHaveLength(1);
      expect(JSON.stringify(refusals)).not.toContain('sai-mật-khẩu');
      // The other account is not locked.
      const other = await desk();
      try {
        await signIn(other.page, ADMIN);
        await expect.poll(() => other.page.getByTestId('signed-in-as').innerText(), SLOW).toBe('it.tran (quản trị CNTT)');
      } finally {
        await other.context.close();
      }
    } finally {
      await context.close();
    }
  });
});
