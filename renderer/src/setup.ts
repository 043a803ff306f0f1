// The first-run setup page (`vhr-agent setup`, main/setup/): a form with a "Kiểm tra" button per
// answer, and "Lưu cấu hình" that the server honours only when every check passes. Vietnamese
// first; the English switch swaps every label and message in place, keeping what was typed.
import './styles.css';
import './setup.css';
import type { ConnectionTestResponse } from '../../main/api/contract.js';
import { pathTo, type AnyRoute, type RequestOf, type ResponseOf } from '../../main/api/routeTable.js';
import { SETUP_ROUTES, type SetupAuthType, type SetupCheck, type SetupDestination, type SetupDraft } from '../../main/setup/routes.js';
import { h, replaceChildren } from './dom.js';
import { takeTabToken } from './tabToken.js';

const STORAGE_KEY = 'vhr.setup.token';
type Lang = 'vi' | 'en';
let lang: Lang = 'vi';

async function call<R extends AnyRoute>(token: string, route: R, body?: RequestOf<R>): Promise<ResponseOf<R>> {
  const res = await fetch(pathTo(route), {
    method: route.method,
    headers: { Authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
    cache: 'no-store',
  });
  const json = (await res.json()) as unknown;
  if (!res.ok) throw new Error((json as { message?: string }).message ?? `HTTP ${res.status}`);
  return json as ResponseOf<R>;
}

/** A text in both languages; shown in the current one, switched in place. */
function say(vi: string, en: string): HTMLSpanElement {
  const el = h('span', { 'data-vi': vi, 'data-en': en }, lang === 'vi' ? vi : en);
  return el;
}

function switchLanguage(to: Lang): void {
  lang = to;
  document.documentElement.lang = to;
  for (const el of document.querySelectorAll<HTMLElement>('[data-vi]')) el.textContent = el.dataset[to] ?? '';
}

function verdict(target: HTMLElement, c: { ok: boolean; messageVi: string; message: string }): void {
  target.className = `banner ${c.ok ? 'banner-ok' : 'banner-error'}`;
  target.dataset.ok = String(c.ok);
  replaceChildren(target, say(c.messageVi, c.message));
}

function field(id: string, vi: string, en: string, input: HTMLElement, hintVi?: string, hintEn?: string): HTMLElement {
  return h('div', { class: 'field wide' }, h('label', { for: id }, say(vi, en)), input, hintVi ? h('span', { class: 'muted' }, say(hintVi, hintEn ?? hintVi)) : null);
}

const input = (id: string, attrs: Record<string, string> = {}) => h('input', { id, name: id, ...attrs });
const valueOf = (id: string) => (document.getElementById(id) as HTMLInputElement | HTMLSelectElement).value.trim();

const DESTINATIONS = [
  { id: 'province', vi: 'Sở Y tế (cổng tỉnh)', en: 'Provincial health department', name: 'Sở Y tế' },
  { id: 'ministry', vi: 'Bộ Y tế (cổng quốc gia)', en: 'Ministry of Health', name: 'Bộ Y tế' },
] as const;

function destinationOf(id: string): SetupDestination {
  return {
    id,
    name: valueOf(`${id}-name`),
    baseUrl: valueOf(`${id}-url`),
    auth: valueOf(`${id}-auth`) as SetupAuthType,
    secret: (document.getElementById(`${id}-secret`) as HTMLInputElement).value || undefined,
    tokenUrl: valueOf(`${id}-tokenUrl`) || undefined,
    clientId: valueOf(`${id}-clientId`) || undefined,
  };
}

function draftOf(): SetupDraft {
  const port = valueOf('mllpPort');
  return {
    facility: { code: valueOf('code'), name: valueOf('name') },
    dataDir: valueOf('dataDir'),
    folder: valueOf('folder'),
    mllpPort: port ? Number(port) : undefined,
    destinations: DESTINATIONS.filter((d) => (document.getElementById(`${d.id}-use`) as HTMLInputElement).checked).map((d) => destinationOf(d.id)),
  };
}

function destinationCard(token: string, d: (typeof DESTINATIONS)[number]): HTMLElement {
  const result = h('div', { id: `${d.id}-result`, role: 'status' });
  const auth = h(
    'select',
    { id: `${d.id}-auth` },
    h('option', { value: 'none' }, say('Không cần xác thực', 'None')),
    h('option', { value: 'bearer' }, say('Mã truy cập cố định (Bearer token)', 'Bearer token')),
    h('option', { value: 'oauth2' }, say('OAuth2 (client credentials)', 'OAuth2 (client credentials)')),
  );
  const oauth = h(
    'div',
    { class: 'row', hidden: true },
    field(`${d.id}-tokenUrl`, 'Địa chỉ cấp token (token URL)', 'Token URL', input(`${d.id}-tokenUrl`, { type: 'url' })),
    field(`${d.id}-clientId`, 'Client ID', 'Client ID', input(`${d.id}-clientId`)),
  );
  const secret = field(`${d.id}-secret`, 'Mã bí mật (token / client secret)', 'Secret (token / client secret)', input(`${d.id}-secret`, { type: 'password', autocomplete: 'off' }), 'Lưu riêng trong tệp chỉ agent đọc được, không ghi vào tệp cấu hình.', 'Kept in its own file only the agent can read, never in the configuration file.');
  secret.hidden = true;
  auth.addEventListener('change', () => {
    secret.hidden = auth.value === 'none';
    oauth.hidden = auth.value !== 'oauth2';
  });
  const test = h('button', { type: 'button', id: `${d.id}-test`, class: 'secondary' }, say('Kiểm tra', 'Test'));
  test.addEventListener('click', async () => {
    test.disabled = true;
    try {
      const r: ConnectionTestResponse = await call(token, SETUP_ROUTES.testDestination, { dataDir: valueOf('dataDir'), destination: destinationOf(d.id) });
      verdict(result, r);
    } catch (err) {
      verdict(result, { ok: false, messageVi: (err as Error).message, message: (err as Error).message });
    } finally {
      test.disabled = false;
    }
  });
  return h(
    'fieldset',
    { class: 'card' },
    h('legend', {}, h('label', {}, h('input', { type: 'checkbox', id: `${d.id}-use`, checked: true }), ' ', say(d.vi, d.en))),
    field(`${d.id}-name`, 'Tên hiển thị', 'Display name', input(`${d.id}-name`, { value: d.name })),
    field(`${d.id}-url`, 'Địa chỉ máy chủ FHIR', 'FHIR base URL', input(`${d.id}-url`, { type: 'url', placeholder: 'https://' })),
    field(`${d.id}-auth`, 'Xác thực', 'Authentication', auth),
    secret,
    oauth,
    h('div', { class: 'field buttons' }, test),
    result,
  );
}

function checkButton(id: string, run: () => Promise<SetupCheck>, result: HTMLElement): HTMLButtonElement {
  const b = h('button', { type: 'button', id, class: 'secondary' }, say('Kiểm tra', 'Test'));
  b.addEventListener('click', async () => {
    b.disabled = true;
    try {
      verdict(result, await run());
    } catch (err) {
      verdict(result, { ok: false, messageVi: (err as Error).message, message: (err as Error).message });
    } finally {
      b.disabled = false;
    }
  });
  return b;
}

async function main(): Promise<void> {
  const app = document.getElementById('app')!;
  const token = takeTabToken(STORAGE_KEY, location.pathname);
  if (!token) {
    replaceChildren(app, h('main', { class: 'card' }, say('Liên kết cài đặt không hợp lệ. Hãy mở đúng liên kết do lệnh "vhr-agent setup" in ra.', 'Invalid setup link: open the link printed by "vhr-agent setup".')));
    return;
  }
  const defaults = await call(token, SETUP_ROUTES.defaults);
  const folderResult = h('div', { id: 'folder-result', role: 'status' });
  const portResult = h('div', { id: 'port-result', role: 'status' });
  const facilityResult = h('div', { id: 'facility-result', role: 'status' });
  const saveResult = h('div', { id: 'save-result', role: 'status' });
  const save = h('button', { type: 'submit', id: 'save' }, say('Lưu cấu hình', 'Save configuration'));
  const form = h(
    'form',
    { id: 'setup' },
    h(
      'fieldset',
      { class: 'card' },
      h('legend', {}, say('Cơ sở khám chữa bệnh', 'Facility')),
      field('code', 'Mã cơ sở (MA_CSKCB)', 'Facility code (MA_CSKCB)', input('code', { maxlength: '5', autocomplete: 'off', placeholder: '01001' }), '5 chữ số hoặc chữ cái do BHXH cấp.', '5 letters or digits issued by Vietnam Social Security.'),
      field('name', 'Tên cơ sở', 'Facility name', input('name')),
      h('div', { class: 'field buttons' }, checkButton('facility-check', () => call(token, SETUP_ROUTES.checkFacility, { code: valueOf('code'), name: valueOf('name') }), facilityResult)),
      facilityResult,
    ),
    h(
      'fieldset',
      { class: 'card' },
      h('legend', {}, say('Nguồn hồ sơ', 'Sources')),
      field('folder', 'Thư mục HIS xuất hồ sơ XML', 'HIS export folder (XML)', input('folder', { placeholder: 'D:\\HIS\\XuatXML' }), 'Thư mục phải có sẵn; agent không tự tạo.', 'The folder must exist already.'),
      h('div', { class: 'field buttons' }, checkButton('folder-check', () => call(token, SETUP_ROUTES.checkFolder, { path: valueOf('folder') }), folderResult)),
      folderResult,
      field('mllpPort', 'Cổng HL7v2 (MLLP), không bắt buộc', 'HL7v2 MLLP port (optional)', input('mllpPort', { inputmode: 'numeric', placeholder: '2575' })),
      h('div', { class: 'field buttons' }, checkButton('port-check', () => call(token, SETUP_ROUTES.checkPort, { port: Number(valueOf('mllpPort')) }), portResult)),
      portResult,
      field('dataDir', 'Thư mục dữ liệu của agent', 'Data folder of the agent', input('dataDir', { value: defaults.dataDir })),
    ),
    h('h2', {}, say('Nơi nhận hồ sơ', 'Destinations')),
    DESTINATIONS.map((d) => destinationCard(token, d)),
    h('p', { class: 'muted' }, say(`Tệp cấu hình sẽ được ghi vào ${defaults.configPath}`, `The configuration will be written to ${defaults.configPath}`)),
    defaults.exists
      ? h('p', { class: 'banner banner-warning', id: 'replace-warning' }, say('Đã có tệp cấu hình ở vị trí này: lưu sẽ thay thế tệp cũ.', 'A configuration file is already there: saving replaces it.'))
      : null,
    h('div', { class: 'field buttons' }, save),
    saveResult,
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    save.disabled = true;
    try {
      const r = await call(token, SETUP_ROUTES.save, draftOf());
      if (r.ok) {
        saveResult.className = 'banner banner-ok';
        saveResult.dataset.ok = 'true';
        replaceChildren(
          saveResult,
          h('strong', {}, say(`Đã lưu cấu hình vào ${r.configPath}.`, `Configuration saved to ${r.configPath}.`)),
          h('p', {}, say('Khởi động agent bằng lệnh dưới đây, hoặc khởi động lại dịch vụ vhr-agent:', 'Start the agent with this command, or restart the vhr-agent service:')),
          h('pre', { id: 'run-command' }, r.runCommand ?? ''),
        );
      } else {
        saveResult.className = 'banner banner-error';
        saveResult.dataset.ok = 'false';
        replaceChildren(saveResult, h('strong', {}, say('Chưa lưu: còn mục chưa đạt.', 'Not saved: some checks failed.')), h('ul', {}, r.problems.map((p) => h('li', {}, say(p.messageVi, p.message)))));
      }
    } catch (err) {
      verdict(saveResult, { ok: false, messageVi: (err as Error).message, message: (err as Error).message });
    } finally {
      save.disabled = false;
    }
  });
  const toggle = h('button', { type: 'button', id: 'lang', class: 'secondary' }, say('English', 'Tiếng Việt'));
  toggle.addEventListener('click', () => switchLanguage(lang === 'vi' ? 'en' : 'vi'));
  replaceChildren(app, h('header', { class: 'topbar' }, h('h1', {}, say('Cài đặt lần đầu — VHR Agent', 'First-run setup — VHR Agent')), toggle), h('main', {}, form));
}

void main();
