// First run in Debian's headless chromium: `vhr-agent setup`'s page from an empty data folder,
// a mistyped HIS folder and a wrong bearer token refused on the way, the right answers saved;
// then the agent runs on the written file and a claim file dropped into the folder reaches the
// store. The province store sits behind a loopback gate that answers 401 to any other token.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, request, type Server } from 'node:http';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { Agent } from '../../main/agent/agent.js';
import { loadConfigFile } from '../../main/config/load.js';
import { closeLogger, createLogger } from '../../main/log.js';
import { startLocalFhirStore, type LocalFhirStore } from '../../main/localstore/fhirStore.js';
import { PACKAGE_ROOT } from '../../main/paths.js';
import { startSetupServer, type RunningSetup } from '../../main/setup/setupServer.js';
import { envelopeOf, manyClaims } from '../support/claimXml.js';
import { waitFor } from '../support/waitFor.js';
import { buildUi, launchChromium } from './harness.js';

const SCREENSHOTS = process.env.UPDATE_SCREENSHOTS === '1' ? join(PACKAGE_ROOT, 'docs', 'screenshots') : join(tmpdir(), 'vhr-agent-screenshots');
const RIGHT_TOKEN = 'so-y-te-token-dung-2026';

let root: string;
let fhir: LocalFhirStore;
let gate: Server;
let gateUrl: string;
const gateRefusals: string[] = [];
let setup: RunningSetup;
let chromium: Awaited<ReturnType<typeof launchChromium>>;
let browser: Browser;
let page: Page;
let agent: Agent | undefined;

/** The province's store as a real one would be: 401 unless the facility's bearer token is right. */
function startGate(target: string): Promise<Server> {
  const server = createServer((req, res) => {
    if (req.headers.authorization !== `Bearer ${RIGHT_TOKEN}`) {
      gateRefusals.push(req.headers.authorization ?? '(none)');
      res.writeHead(401, { 'Content-Type': 'application/fhir+json', 'WWW-Authenticate': 'Bearer error="invalid_token"' });
      res.end(JSON.stringify({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'login', diagnostics: 'invalid token' }] }));
      return;
    }
    const upstream = new URL(req.url ?? '/', target);
    const forward = request(upstream, { method: req.method, headers: { ...req.headers, host: upstream.host } }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    forward.on('error', () => res.destroy());
    req.pipe(forward);
  });
  return new Promise((done) => server.listen(0, '127.0.0.1', () => done(server)));
}

beforeAll(async () => {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await buildUi();
  root = mkdtempSync(join(tmpdir(), 'vhr-setup-'));
  mkdirSync(join(root, 'XuatXML'));
  fhir = await startLocalFhirStore({ bases: ['province', 'ministry'] });
  gate = await startGate(fhir.url);
  gateUrl = `http://127.0.0.1:${(gate.address() as AddressInfo).port}/province/fhir`;
  setup = await startSetupServer({ configPath: join(root, 'etc', 'vhr-agent', 'config.yaml'), dataDir: join(root, 'data') });
  chromium = await launchChromium();
  browser = chromium.browser;
  page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
}, 120_000);

afterAll(async () => {
  if (agent) {
    await agent.stop();
    await closeLogger(agent.logger);
  }
  await chromium?.close();
  await setup?.close();
  await new Promise<void>((done) => (gate ? gate.close(() => done()) : done()));
  await fhir?.close();
  if (root) rmSync(root, { recursive: true, force: true });
});

const resultOf = async (id: string) => {
  const el = page.locator(`#${id}`);
  await el.locator('span').first().waitFor();
  return { ok: await el.getAttribute('data-ok'), text: (await el.textContent()) ?? '' };
};

describe('first-run setup', () => {
  it('starts from an empty data folder with a one-time link in the fragment', async () => {
    expect(existsSync(join(root, 'data'))).toBe(false);
    expect(setup.link).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/setup\.html#token=[A-Za-z0-9_-]{43}$/);
    // Without the token the setup endpoints answer nothing.
    const bare = await fetch(`${setup.url}/api/setup/defaults`);
    expect(bare.status).toBe(401);
    await page.goto(setup.link);
    await page.locator('#code').waitFor();
    expect(page.url()).not.toContain('token=');
    expect(await page.inputValue('#dataDir')).toBe(join(root, 'data'));
    expect(await page.locator('#replace-warning').count()).toBe(0);
    // English on request, and back; typed values stay.
    await page.fill('#name', 'giữ nguyên');
    await page.click('#lang');
    expect(await page.textContent('h1')).toBe('First-run setup — VHR Agent');
    expect(await page.textContent('label[for="folder"]')).toBe('HIS export folder (XML)');
    await page.click('#lang');
    expect(await page.textContent('h1')).toBe('Cài đặt lần đầu — VHR Agent');
    expect(await page.inputValue('#name')).toBe('giữ nguyên');
  });

  it('refuses a mistyped HIS folder with a Vietnamese reason, and accepts the real one', async () => {
    await page.fill('#code', '01001');
    await page.fill('#name', 'Bệnh viện Đa khoa tỉnh (thử nghiệm)');
    const wrong = join(root, 'XuatXLM');
    await page.fill('#folder', wrong);
    await page.click('#folder-check');
    const refused = await resultOf('folder-result');
    expect(refused.ok).toBe('false');
    expect(refused.text).toContain(`Thư mục ${wrong} không tồn tại`);
    expect(existsSync(wrong)).toBe(false);

    await page.fill('#folder', join(root, 'XuatXML'));
    await page.click('#folder-check');
    await page.waitForSelector('#folder-result[data-ok="true"]');
    expect((await resultOf('folder-result')).text).toContain('agent đọc được');
  });

  it('refuses a wrong bearer token in the destination test and in the save', async () => {
    await page.fill('#province-name', 'Sở Y tế (thử nghiệm)');
    await page.fill('#province-url', gateUrl);
    await page.selectOption('#province-auth', 'bearer');
    await page.fill('#province-secret', 'token-sai');
    await page.click('#province-test');
    await page.waitForSelector('#province-result[data-ok]');
    const refused = await resultOf('province-result');
    expect(refused.ok).toBe('false');
    expect(gateRefusals).toContain('Bearer token-sai');
    expect(refused.text).toContain('Sở Y tế (thử nghiệm) không chấp nhận mã truy cập (token) đã nhập');
    expect(refused.text).toContain('HTTP 401');

    await page.fill('#ministry-url', fhir.baseUrl('ministry'));
    await page.click('#ministry-test');
    await page.waitForSelector('#ministry-result[data-ok="true"]');
    expect((await resultOf('ministry-result')).text).toContain('Kết nối tốt');

    // Saving with the wrong token is refused by the server's own checks: nothing is written.
    await page.click('#save');
    await page.waitForSelector('#save-result[data-ok="false"]');
    expect(await page.textContent('#save-result')).toContain('Chưa lưu');
    expect(existsSync(join(root, 'etc', 'vhr-agent', 'config.yaml'))).toBe(false);
  });

  it('saves the right answers atomically, secret apart, and the page says how to start', async () => {
    await page.fill('#province-secret', RIGHT_TOKEN);
    await page.click('#province-test');
    await page.waitForSelector('#province-result[data-ok="true"]');
    await page.click('#save');
    await page.waitForSelector('#save-result[data-ok="true"]');
    const configPath = join(root, 'etc', 'vhr-agent', 'config.yaml');
    expect(await page.textContent('#run-command')).toBe(`vhr-agent run --config ${configPath}`);
    await page.screenshot({ path: join(SCREENSHOTS, 'setup.png'), fullPage: true });

    expect(statSync(configPath).mode & 0o777).toBe(0o600);
    const yaml = readFileSync(configPath, 'utf8');
    expect(yaml).not.toContain(RIGHT_TOKEN);
    const secretPath = join(root, 'data', 'secrets', 'province.secret');
    expect(yaml).toContain(`file:${secretPath}`);
    expect(statSync(secretPath).mode & 0o777).toBe(0o600);
    expect(readFileSync(secretPath, 'utf8')).toBe(RIGHT_TOKEN);
    const config = loadConfigFile(configPath);
    expect(config.facility.code).toBe('01001');
    expect(config.destinations.map((d) => [d.id, d.name, d.auth.type])).toEqual([
      ['province', 'Sở Y tế (thử nghiệm)', 'bearer'],
      ['ministry', 'Bộ Y tế', 'none'],
    ]);
  });

  it('the agent runs on the written configuration and delivers a dropped claim file', async () => {
    const config = loadConfigFile(join(root, 'etc', 'vhr-agent', 'config.yaml'));
    agent = new Agent(config, { logger: createLogger({ dataDir: config.dataDir }) });
    await agent.start();
    const inbox = join(root, 'XuatXML');
    writeFileSync(join(inbox, 'ho-so.xml.part'), envelopeOf(manyClaims(1, 'SU'), '01001'));
    renameSync(join(inbox, 'ho-so.xml.part'), join(inbox, 'ho-so.xml'));
    await waitFor(() => agent!.status().destinations.every((d) => d.delivered === 1), { what: 'the record delivered to both stores', timeoutMs: 60_000 });
    expect(await fhir.countResources('province', 'Claim')).toBeGreaterThan(0);
    expect(await fhir.countResources('ministry', 'Claim')).toBeGreaterThan(0);
  }, 90_000);
});
