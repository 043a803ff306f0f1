// Every fault visible with its next step, in Debian's headless chromium against a running
// agent: files that could not be read ("Tệp lỗi"), an invalid record's page, and a destination
// paused for refused credentials that an officer resumes after a good connection test.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import type { Browser, Page } from 'playwright-core';
import { PACKAGE_ROOT } from '../../main/paths.js';
import { envelopeOf, manyClaims } from '../support/claimXml.js';
import { waitFor } from '../support/waitFor.js';
import { buildUi, launchChromium, startUiHarness, type UiHarness } from './harness.js';

const SCREENSHOTS = process.env.UPDATE_SCREENSHOTS === '1' ? join(PACKAGE_ROOT, 'docs', 'screenshots') : join(tmpdir(), 'vhr-agent-screenshots');

let h: UiHarness;
let chromium: Awaited<ReturnType<typeof launchChromium>>;
let browser: Browser;
let page: Page;

const status = () => h.agent.status();
const dest = (id: string) => status().destinations.find((d) => d.id === id)!;
const shot = (name: string) => page.screenshot({ path: join(SCREENSHOTS, name), fullPage: true });

beforeAll(async () => {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await buildUi();
  h = await startUiHarness();
  chromium = await launchChromium();
  browser = chromium.browser;
  // The issue was found at 1366×768, a common screen in facilities.
  page = await browser.newPage({ viewport: { width: 1366, height: 768 }, locale: 'vi-VN' });
}, 120_000);

afterAll(async () => {
  await chromium?.close();
  await h?.close();
});

describe('faults in the status UI', () => {
  it('lists files that could not be read in "Tệp lỗi", amber until marked as seen', async () => {
    h.drop('good.xml', envelopeOf(manyClaims(2, 'EF')));
    h.drop('bi-cat.xml', envelopeOf(manyClaims(3, 'CT')).slice(0, 300));
    h.drop('rong.xml', '');
    await waitFor(() => status().errorFiles?.count === 2 && dest('province').delivered === 2, { what: 'two files in error/', timeoutMs: 30_000 });

    await page.goto(h.uiUrl);
    const panel = page.getByTestId('error-files');
    await panel.locator('tr[data-error-file="rong.xml"]').waitFor();
    expect(await panel.getByTestId('error-files-count').innerText()).toBe('2');
    expect(await panel.locator('tr[data-error-file="rong.xml"] [data-testid="error-file-reason"]').innerText()).toBe('Tệp rỗng, không có nội dung.');
    expect(await panel.locator('tr[data-error-file="bi-cat.xml"] [data-testid="error-file-reason"]').innerText()).toMatch(/^Tệp bị cắt ngang/);
    expect(await panel.locator('tr[data-error-file="bi-cat.xml"] [data-testid="error-file-action"]').innerText()).toMatch(/xuất lại tệp vào thư mục nhận/);
    // Outside the desktop app the folder is shown as a path to open by hand.
    expect(await panel.locator('tr[data-error-file="rong.xml"] code.path').innerText()).toBe(join(h.dataDir, 'inbox', 'error'));
    const banner = page.getByTestId('health');
    expect(await banner.getAttribute('data-level')).toBe('warning');
    expect(await banner.locator('[data-problem="error_files"]').innerText()).toContain('2 tệp mới không đọc được');
    await shot('error-files.png');

    await panel.getByTestId('error-files-seen').click();
    await expect.poll(() => banner.locator('[data-problem="error_files"]').count()).toBe(0);
    expect(status().errorFiles).toMatchObject({ count: 2, new: 0 });
    // Still listed: seen is not deleted.
    await expect.poll(() => panel.locator('tr[data-error-file]').count()).toBe(2);
  });

  it("shows an invalid record's source file, HOSO number, reason and next step in Vietnamese", async () => {
    h.drop('hong-xml1.xml', envelopeOf([{ maLk: 'IV0001' }, { maLk: 'IV0002', rawXml1Base64: '!!!' }, { maLk: 'IV0003' }]));
    const invalid = await waitFor(() => h.agent.store.listMessages(100).find((m) => m.state === 'invalid'), { what: 'the invalid record' });

    await page.getByRole('link', { name: 'Hồ sơ', exact: true }).click();
    await page.getByTestId('records').waitFor();
    const row = page.locator(`tr[data-record="${invalid.id}"]`);
    await row.waitFor();
    expect(await row.getByTestId('record-key').innerText()).toBe('HOSO số 2 trong hong-xml1.xml');
    expect(await row.getByTestId('record-problem').innerText()).toMatch(/mã hoá base64 bị hỏng/);

    await row.getByTestId('record-key').click();
    await page.getByTestId('record-problem').waitFor();
    expect(await page.locator('h1').innerText()).toContain('HOSO số 2 trong hong-xml1.xml');
    expect(await page.getByTestId('record-problem-reason').innerText()).toBe('Nội dung một bảng của hồ sơ không đọc được (mã hoá base64 bị hỏng).');
    expect(await page.getByTestId('record-problem-action').innerText()).toContain('xuất lại tệp');
    expect(await page.getByTestId('record-origin').innerText()).toBe('Hồ sơ này là HOSO số 2 trong tệp hong-xml1.xml.');
    expect(await page.getByTestId('record-file').innerText()).toBe('hong-xml1.xml, HOSO số 2');
    expect(await page.getByTestId('record-state').innerText()).not.toBe('');
    await shot('invalid-record.png');
  });

  it('resumes a destination paused for refused credentials after a good connection test', async () => {
    // Every request to the province refused, as with an expired token.
    h.fhir.faults('province').push({ status: 401, times: 100_000 });
    const deliveredBefore = dest('province').delivered;
    h.drop('sau-401.xml', envelopeOf(manyClaims(2, 'AU')));
    await waitFor(() => dest('province').state === 'paused' && dest('province').pending === 2, { what: 'province paused for credentials', timeoutMs: 30_000 });

    await page.getByRole('link', { name: 'Tổng quan', exact: true }).click();
    const banner = page.getByTestId('health');
    await banner.locator('[data-problem="destination_auth"]').waitFor();
    expect(await banner.locator('[data-problem="destination_auth"]').innerText()).toContain('Tiếp tục gửi');
    // The row offers to resume, not to pause.
    await page.getByTestId('resume-province').waitFor();
    expect(await page.getByTestId('pause-province').count()).toBe(0);

    // IT fixes the credential on the store's side; the test says so and offers to resume.
    h.fhir.faults('province').clear();
    await page.getByRole('link', { name: 'Cài đặt', exact: true }).click();
    await page.getByTestId('test-province').click();
    const result = page.getByTestId('test-result-province');
    await expect.poll(() => result.getAttribute('class'), { timeout: 15_000 }).toContain('ok');
    expect(await result.innerText()).toContain('Kết nối tốt');
    await shot('resume-after-test.png');
    await page.getByTestId('resume-after-test-province').click();
    await expect.poll(() => result.innerText()).toBe('Đã tiếp tục gửi.');
    await waitFor(() => dest('province').delivered === deliveredBefore + 2 && dest('province').state === 'ok', { what: 'province delivered after resume' });
    expect(await h.fhir.countResources('province', 'Encounter')).toBe(deliveredBefore + 2);
  });
});
