// The status UI in Debian's headless chromium, against a running agent with real claim files
// flowing through it to two real FHIR stores. Each screen is photographed for the README.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import type { Browser, Page } from 'playwright-core';
import { PACKAGE_ROOT } from '../../main/paths.js';
import { envelopeOf, manyClaims } from '../support/claimXml.js';
import { waitFor } from '../support/waitFor.js';
import { buildUi, launchChromium, startUiHarness, type UiHarness } from './harness.js';
import { readSharedSample } from '../support/sharedSamples.js';
import { columnOf, innerTables } from '../support/claimChecks.js';

// The README's screenshots are refreshed on request (UPDATE_SCREENSHOTS=1); otherwise they go
// to a temp folder, so a test run leaves the work tree as it found it.
const SCREENSHOTS = process.env.UPDATE_SCREENSHOTS === '1' ? join(PACKAGE_ROOT, 'docs', 'screenshots') : join(tmpdir(), 'vhr-agent-screenshots');
const SAMPLES = ['outpatient-visit.xml', 'inpatient-delivery.xml', 'inpatient-bom-cdata-xml5.xml'];

/** The record the province rejects once (then the store is "fixed"), and one the ministry rejects for good. */
const REJECTED_AT_PROVINCE = { maLk: 'LK2602230001', maBn: 'BN000451', hoTen: 'LÊ THỊ HỒNG' };
const REJECTED_AT_MINISTRY = { maLk: 'LK2602230002', maBn: 'BN000452', hoTen: 'PHẠM QUỐC BẢO' };
const OUTCOME_422 = {
  resourceType: 'OperationOutcome',
  issue: [{ severity: 'error', code: 'business-rule', diagnostics: 'Encounter.serviceProvider: cơ sở chưa được cấp phép trên hệ thống (test)' }],
};

let h: UiHarness;
let chromium: Awaited<ReturnType<typeof launchChromium>>;
let browser: Browser;
let page: Page;
let expectedRecords = 0;

const status = () => h.agent.status();
const dest = (id: string) => status().destinations.find((d) => d.id === id)!;
/** Digits of a number as the UI prints it (vi-VN groups thousands with "."). */
const digits = async (testId: string) => Number((await page.getByTestId(testId).innerText()).replace(/\D/g, ''));
const shot = (name: string) => page.screenshot({ path: join(SCREENSHOTS, name), fullPage: true });
/** Rows (1-based) of a sample's XML2 whose drug was given before it was ordered, by plain text search of the decoded table. */
const givenBeforeOrdered = (name: string) => {
  const xml2 = innerTables(readSharedSample('xml130', name).toString('utf8')).get('XML2') ?? '';
  const ordered = columnOf(xml2, 'CHI_TIET_THUOC', 'NGAY_YL');
  const given = columnOf(xml2, 'CHI_TIET_THUOC', 'NGAY_TH_YL');
  return ordered.flatMap((o, i) => (/^\d{12}$/.test(o) && /^\d{12}$/.test(given[i] ?? '') && given[i]! < o ? [i + 1] : []));
};
const todayKey = () => {
  const d = new Date();
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
};
const downloadCsv = async (testId: string) => {
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId(testId).click()]);
  return readFileSync((await download.path())!, 'utf8').replace(/^\uFEFF/, '').trim().split(/\r\n/).map((l) => l.split(','));
};
const idOf = async (maLk: string) => Number((await page.locator('tr', { has: page.getByText(maLk, { exact: true }) }).getAttribute('data-record')) ?? NaN);

beforeAll(async () => {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await buildUi();
  h = await startUiHarness();

  // Two records rejected by one store each, in a known order: the fault answers the next POST.
  h.fhir.faults('province').push({ method: 'POST', status: 422, body: OUTCOME_422 });
  h.drop('rejected-province.xml', envelopeOf([REJECTED_AT_PROVINCE]));
  await waitFor(() => dest('province').rejected === 1 && dest('ministry').delivered === 1, { what: 'first record rejected by the province', timeoutMs: 30_000 });
  h.fhir.faults('ministry').push({ method: 'POST', status: 422, body: OUTCOME_422 });
  h.drop('rejected-ministry.xml', envelopeOf([REJECTED_AT_MINISTRY]));
  await waitFor(() => dest('ministry').rejected === 1 && dest('province').delivered === 1, { what: 'second record rejected by the ministry' });

  // Then the day's real traffic: the sample exports and a batch of generated claims.
  for (const f of SAMPLES) h.drop(f, readSharedSample('xml130', f));
  h.drop('batch-0001.xml', envelopeOf(manyClaims(24, 'LK26022310')));
  expectedRecords = 2 + SAMPLES.length + 24;
  await waitFor(
    () => {
      const s = status();
      return s.counts.converted === expectedRecords && s.destinations.every((d) => d.pending === 0 && d.delivered + d.rejected === expectedRecords);
    },
    { what: 'every record delivered or rejected', timeoutMs: 60_000 },
  );

  chromium = await launchChromium();
  browser = chromium.browser;
  page = await browser.newPage({ viewport: { width: 1280, height: 900 }, locale: 'vi-VN', acceptDownloads: true });
  await page.goto(h.uiUrl);
}, 120_000);

afterAll(async () => {
  await chromium?.close();
  await h?.close();
});

describe('status UI', () => {
  it('shows overview numbers that match what the FHIR stores hold', async () => {
    await expect.poll(() => page.getByTestId('live').getAttribute('class')).toContain('on');
    await page.getByTestId('delivered-province').waitFor();
    for (const id of ['province', 'ministry']) {
      const encounters = await h.fhir.countResources(id, 'Encounter');
      expect(await digits(`delivered-${id}`)).toBe(encounters);
      expect(await digits(`delivered-today-${id}`)).toBe(encounters);
      expect(await digits(`rejected-${id}`)).toBe(1);
      expect(await digits(`pending-${id}`)).toBe(0);
    }
    expect(await digits('received-today-his-xml')).toBe(expectedRecords);
    expect(await digits('count-received')).toBe(status().counts.received);
    expect(await digits('count-converted')).toBe(expectedRecords);
    // The banner says what is wrong and what to do.
    const banner = page.getByTestId('health');
    expect(await banner.getAttribute('data-level')).toBe('warning');
    expect(await banner.innerText()).toContain('1 hồ sơ bị "province" từ chối');
    expect(await banner.innerText()).toContain('sửa dữ liệu trong HIS');
    // The URL no longer carries the token once the UI has read it.
    expect(page.url()).not.toContain('token=');
    await page.locator('svg.chart').waitFor();
    await shot('overview.png');
  });

  it('pauses and resumes a destination, with confirmation', async () => {
    await page.getByTestId('pause-ministry').click();
    await page.getByRole('dialog').getByText('Tạm dừng gửi hồ sơ tới "ministry"').waitFor();
    await page.getByTestId('confirm-ok').click();
    await page.locator('tr[data-destination="ministry"] [data-state="paused"]').waitFor();
    expect(await page.getByTestId('health').innerText()).toContain('Đã tạm dừng gửi tới "ministry"');
    await page.getByTestId('resume-ministry').click();
    await page.getByTestId('confirm-ok').click();
    await page.locator('tr[data-destination="ministry"] [data-state="ok"]').waitFor();
    await waitFor(() => dest('ministry').state === 'ok', { what: 'ministry worker running again' });
  });

  it('finds a record by MA_LK and by the patient name typed without diacritics', async () => {
    await page.getByRole('link', { name: 'Hồ sơ', exact: true }).click();
    await page.getByTestId('records').waitFor();
    await page.getByRole('searchbox').fill('LK260223100007');
    await page.getByTestId('search-submit').click();
    await expect.poll(() => page.getByTestId('record-key').allInnerTexts()).toEqual(['LK260223100007']);

    await page.getByRole('searchbox').fill('le thi hong');
    await page.getByTestId('search-submit').click();
    await expect.poll(() => page.getByTestId('record-patient').allInnerTexts()).toEqual(['LÊ THỊ HỒNG']);

    await page.getByRole('searchbox').fill('');
    await page.getByLabel('Trạng thái').selectOption('rejected');
    await page.getByTestId('search-submit').click();
    await expect.poll(() => page.getByTestId('record-key').allInnerTexts()).toEqual([REJECTED_AT_MINISTRY.maLk, REJECTED_AT_PROVINCE.maLk]);
    await shot('records.png');
  });

  it('retries a rejected record once the store is fixed, and it becomes delivered', async () => {
    const id = await idOf(REJECTED_AT_PROVINCE.maLk);
    await page.locator(`tr[data-record="${id}"] a[data-testid="record-key"]`).click();
    const province = page.getByTestId('delivery-state-province');
    expect(await province.locator('[data-state]').getAttribute('data-state')).toBe('rejected');
    expect(await page.getByTestId('attempts').innerText()).toContain('chưa được cấp phép');
    // The fault was answered once; the province store now accepts the record.
    expect(h.fhir.faults('province').pending()).toBe(0);
    await page.getByTestId('retry-record').click();
    await page.getByTestId('confirm-ok').click();
    await province.locator('[data-state="delivered"]').waitFor({ timeout: 20_000 });
    expect(await h.fhir.search('province', 'Encounter', { identifier: `http://fhir.hl7.org.vn/core/sid/ma-lk|${REJECTED_AT_PROVINCE.maLk}` })).toHaveLength(1);
    expect(dest('province').rejected).toBe(0);
    await page.getByTestId('raw').locator('summary').click();
    expect(await page.getByTestId('raw').innerText()).toContain(`<MA_LK>${REJECTED_AT_PROVINCE.maLk}</MA_LK>`);
    await shot('record.png');
  });

  it("shows a claim record's pre-submission findings on its page, in Vietnamese and in English", async () => {
    // outpatient-visit.xml, read by plain text search: drug lines whose insured amount is not
    // quantity × price × rate, and the drug total that is not the sum of the drug lines.
    const xml2 = innerTables(readSharedSample('xml130', 'outpatient-visit.xml').toString('utf8')).get('XML2')!;
    const col = (f: string) => columnOf(xml2, 'CHI_TIET_THUOC', f).map(Number);
    const [qty, price, rate, insured, lineTotal] = ['SO_LUONG', 'DON_GIA', 'TYLE_TT_BH', 'THANH_TIEN_BH', 'THANH_TIEN_BV'].map(col);
    const wrongInsured = insured!.flatMap((v, i) => (Math.abs(v - Math.round(qty![i]! * price![i]! * rate![i]!) / 100) > 1 ? [String(i + 1)] : []));
    expect(wrongInsured.length).toBeGreaterThan(0);
    const drugTotal = lineTotal!.reduce((a, b) => a + b, 0).toFixed(2);

    await page.getByRole('link', { name: 'Hồ sơ', exact: true }).click();
    await page.getByRole('searchbox').fill('OP62317537');
    await page.getByLabel('Trạng thái').selectOption('');
    await page.getByTestId('search-submit').click();
    await expect.poll(() => page.getByTestId('record-key').allInnerTexts()).toEqual(['OP62317537']);
    await page.getByTestId('record-key').click();
    const findings = page.getByTestId('findings-table');
    await findings.waitFor();
    const insuredRows = findings.locator('tr[data-rule="XML2.THANH_TIEN_BH.NOT_QTY_X_PRICE_X_RATE"]');
    expect(await insuredRows.evaluateAll((rows) => rows.map((r) => r.getAttribute('data-row')))).toEqual(wrongInsured);
    const first = await insuredRows.first().innerText();
    for (const part of ['Lỗi', 'XML2', 'THANH_TIEN_BH', 'SO_LUONG × DON_GIA × TYLE_TT_BH / 100: sửa số tiền cho khớp']) expect(first).toContain(part);
    const total = findings.locator('tr[data-rule="XML1.T_THUOC.NOT_SUM_OF_DRUGS"]');
    expect(await total.getAttribute('data-field')).toBe('T_THUOC');
    expect(await total.innerText()).toContain(`Số đúng: ${drugTotal}`);
    expect(await page.getByTestId('findings-summary').innerText()).toContain(`${wrongInsured.length + 1} lỗi`);
    // The record went out all the same: a finding never stops delivery.
    expect(await page.getByTestId('delivery-state-province').locator('[data-state]').getAttribute('data-state')).toBe('delivered');
    await shot('record-findings.png');

    await page.getByTestId('lang-switch').click();
    await expect.poll(() => insuredRows.first().innerText()).toContain('SO_LUONG × DON_GIA × TYLE_TT_BH / 100: correct the amount');
    expect(await insuredRows.first().innerText()).toContain('Error');
    expect(await page.getByRole('heading', { name: 'Pre-submission checks (insurance review)' }).count()).toBe(1);
    await page.getByTestId('lang-switch').click();
    await expect.poll(() => insuredRows.first().innerText()).toContain('sửa số tiền cho khớp');
  });

  it('exports a report whose CSV matches the counts', async () => {
    await page.getByRole('link', { name: 'Báo cáo', exact: true }).click();
    await page.getByTestId('report-days').waitFor();
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('report-csv').click()]);
    const csv = readFileSync((await download.path())!, 'utf8').replace(/^\uFEFF/, '');
    const [header, ...lines] = csv.trim().split(/\r\n/);
    expect(header).toBe('Ngày,Điểm nhận,Đã nhận,Đã gửi,Bị từ chối');
    const rows = lines.map((l) => l.split(','));
    const sum = (d: string, col: number) => rows.filter((r) => r[1] === d).reduce((n, r) => n + Number(r[col]), 0);
    const s = status();
    for (const d of s.destinations) {
      expect(sum(d.id, 2)).toBe(s.counts.received);
      expect(sum(d.id, 3)).toBe(d.delivered);
      expect(sum(d.id, 4)).toBe(d.rejected);
      expect(d.delivered).toBe(await h.fhir.countResources(d.id, 'Encounter'));
    }
    expect(rows).toHaveLength(7 * 2);

    // Claim checks: findings per rule today, against the samples read by plain text search.
    const early = SAMPLES.map((f) => givenBeforeOrdered(f).length);
    const rule = page.getByTestId('report-findings').locator(`tr[data-day="${todayKey()}"][data-rule="XML2.NGAY_TH_YL.BEFORE_ORDER"]`);
    expect(await rule.getByTestId('finding-count').innerText()).toBe(String(early.reduce((a, b) => a + b, 0)));
    expect(await rule.getByTestId('finding-records').innerText()).toBe(String(early.filter((n) => n > 0).length));
    const findingsCsv = await downloadCsv('report-csv-findings');
    expect(findingsCsv[0]!.slice(0, 6)).toEqual(['Ngày', 'Quy tắc', 'Mức độ', 'Tiêu chí', 'Số hồ sơ', 'Số lỗi']);
    expect(findingsCsv.find((r) => r[0] === todayKey() && r[1] === 'XML2.NGAY_TH_YL.BEFORE_ORDER')!.slice(2, 6)).toEqual([
      'lỗi',
      'đúng',
      String(early.filter((n) => n > 0).length),
      String(early.reduce((a, b) => a + b, 0)),
    ]);
    // The day's score: every record received today was checked; the CSV says what the screen says.
    const today = page.getByTestId('report-score').locator(`tr[data-day="${todayKey()}"]`);
    expect(await today.locator('td').nth(1).innerText()).toBe(String(expectedRecords));
    const scoreCsv = await downloadCsv('report-csv-score');
    expect(scoreCsv[0]).toEqual(['Ngày', 'Hồ sơ đã kiểm tra', 'Đúng', 'Đủ', 'Sạch', 'Sống', 'Điểm (0–100)']);
    const csvToday = scoreCsv.find((r) => r[0] === todayKey())!;
    expect(csvToday[1]).toBe(String(expectedRecords));
    expect(Number(csvToday[6])).toBe(Number(await today.getByTestId('score-value').innerText()));
    // The records with a mistake the samples hold are not "đúng": at most the others are.
    expect(Number(csvToday[2])).toBeLessThanOrEqual(expectedRecords - early.filter((n) => n > 0).length);
    await shot('reports.png');
  });

  it('shows the configuration with secrets masked and tests a connection', async () => {
    await page.getByRole('link', { name: 'Cài đặt', exact: true }).click();
    await page.getByTestId('test-province').click();
    await expect.poll(() => page.getByTestId('test-result-province').innerText()).toContain('Kết nối tốt: FHIR 4.0.1');
    expect(await page.getByTestId('managed-badge').innerText()).toBe('Cấu hình tại chỗ (không do Bộ Y tế quản lý)');
    // Every operator action of this session is in the audit log.
    await expect.poll(() => page.getByTestId('audit').locator('tbody tr').count()).toBe(3);
    await shot('settings.png');
  });

  it('imports a ministry-signed configuration file, and refuses a tampered one with the reason', async () => {
    const dir = join(tmpdir(), 'vhr-ui-config');
    mkdirSync(dir, { recursive: true });
    const good = join(dir, 'cauhinh-v1.json');
    writeFileSync(good, h.signConfig({ version: 1, destinations: [{ id: 'ministry', timeoutMs: 6000 }] }));
    const tampered = join(dir, 'cauhinh-v2-sua.json');
    writeFileSync(tampered, h.signConfig({ version: 2 }).replace(/"payload":"[^"]{4}/, '"payload":"AAAA'));
    page.on('dialog', (d) => void d.accept());
    await page.getByTestId('managed-file').setInputFiles(good);
    await page.getByTestId('managed-import').click();
    await expect.poll(() => page.getByTestId('managed-import-result').innerText()).toBe('Đã áp dụng cấu hình phiên bản 1.');
    expect(h.agent.config.destinations.find((d) => d.id === 'ministry')!.timeoutMs).toBe(6000);
    await page.getByTestId('managed-file').setInputFiles(tampered);
    await page.getByTestId('managed-import').click();
    await expect.poll(() => page.getByTestId('managed-import-result').innerText()).toMatch(/^Không áp dụng \(\w+\): .+ Cấu hình đang dùng được giữ nguyên\.$/);
    await page.reload();
    await page.getByTestId('managed-badge').waitFor();
    expect(await page.getByTestId('managed-badge').innerText()).toBe('Do Bộ Y tế quản lý, phiên bản 1');
  });

  it('switches the whole interface to English and back', async () => {
    await page.getByTestId('lang-switch').click();
    expect(await page.locator('html').getAttribute('lang')).toBe('en');
    await page.getByRole('heading', { name: 'Settings', level: 1 }).waitFor();
    await page.getByRole('link', { name: 'Overview', exact: true }).click();
    await page.getByRole('heading', { name: 'Overview', level: 1 }).waitFor();
    expect(await page.getByTestId('health').innerText()).toContain('1 record(s) rejected by "ministry"');
    await shot('overview-en.png');
    await page.getByTestId('lang-switch').click();
    await page.getByRole('heading', { name: 'Tổng quan', level: 1 }).waitFor();
    await page.reload();
    // The choice is remembered, and the token survives a reload (sessionStorage).
    await page.getByRole('heading', { name: 'Tổng quan', level: 1 }).waitFor();
    await page.getByTestId('delivered-province').waitFor();
  });
});
