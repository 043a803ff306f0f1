// The first-run setup server (`vhr-agent setup`): loopback only, one random token in the link's
// fragment (like the status UI's uiUrl, DESIGN §9), the setup page from the built UI, and the
// checks behind its "Kiểm tra" buttons. It reuses the agent's own checks — usability.ts (what
// `config check` runs) and the destination connection test — and writes the configuration only
// when all of them pass, then loads it back with the real loader before saying it is done.
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import type { ConnectionTestResponse } from '../api/contract.js';
import { testConnection } from '../../connectors/destinations/fhir/connectionCheck.js';
import { toConnectionTestResponse } from '../api/connectionTest.js';
import { ApiServer, badRequest, type ApiRoute, type ApiReply } from '../api/server.js';
import { loadConfigFile } from '../config/load.js';
import { ConfigError, validateConfig, type AgentConfig } from '../config/schema.js';
import { resolveSecret } from '../config/secrets.js';
import { portFree, usabilityProblems, type UsabilityOptions } from '../config/usability.js';
import { documentedLocations } from '../service/locations.js';
import { UI_DIR } from '../paths.js';
import { draftToDocument, draftToYaml, FACILITY_CODE, readDraft, secretFile } from './draft.js';
import { SETUP_ROUTES, type SetupCheck, type SetupDestination, type SetupDraft, type SetupSaveResponse } from './routes.js';

export interface SetupServerOptions {
  /** Where the configuration is written (the documented place, or --config). */
  configPath: string;
  /** Suggested data folder; default the documented one of this platform. */
  dataDir?: string;
  host?: string;
  port?: number;
  /** Folder of the built UI (setup.html); default dist/renderer. */
  staticDir?: string;
  /** Passed to the folder checks (tests give their own mount tables). */
  usability?: UsabilityOptions;
}

const ok = (messageVi: string, message: string): SetupCheck => ({ ok: true, messageVi, message });
const no = (messageVi: string, message: string): SetupCheck => ({ ok: false, messageVi, message });

export function checkFacility(f: { code?: string; name?: string }): SetupCheck {
  const code = (f.code ?? '').trim();
  if (!FACILITY_CODE.test(code)) return no(`Mã cơ sở (MA_CSKCB) phải gồm đúng 5 chữ số hoặc chữ cái, ví dụ 01001; đã nhập "${code}".`, `The facility code (MA_CSKCB) must be exactly 5 letters or digits, e.g. 01001; got "${code}".`);
  if (!(f.name ?? '').trim()) return no('Hãy nhập tên cơ sở khám chữa bệnh.', 'Give the facility name.');
  return ok(`Mã cơ sở ${code} hợp lệ.`, `Facility code ${code} is valid.`);
}

/** The HIS export folder: must exist, be a folder, be readable and writable (files are moved out), and be mounted if it is a share. */
export async function checkFolder(path: string, usability: UsabilityOptions = {}): Promise<SetupCheck> {
  const p = path.trim();
  if (!p || !(isAbsolute(p) || /^[A-Za-z]:[\\/]/.test(p) || /^\\\\/.test(p))) return no('Hãy nhập đường dẫn đầy đủ của thư mục HIS xuất hồ sơ, ví dụ D:\\HIS\\XuatXML hoặc /srv/his/xml.', 'Give the full path of the HIS export folder.');
  // The same checks `config check` runs, on a configuration holding just this folder.
  const config = validateConfig({ facility: { code: '00000' }, dataDir: join(p, '.vhr-setup-probe'), sources: [{ id: 'his-xml', type: 'folder', path: p }], destinations: [] }, (x) => x);
  const problems = (await usabilityProblems(config, usability)).filter((q) => q.key.startsWith('sources[0]'));
  if (!problems.length) return ok(`Thư mục ${p} có sẵn và agent đọc được.`, `The folder ${p} exists and can be read.`);
  const first = problems[0]!;
  const english = `${first.problem}; ${first.fix}`;
  if (/not mounted/.test(first.problem)) return no(`Thư mục ${p} nằm trên ổ mạng chưa được gắn (mount): hồ sơ sẽ không đến từ HIS. Hãy gắn ổ mạng rồi kiểm tra lại.`, english);
  if (/cannot be reached/.test(first.problem)) return no(`Không mở được thư mục mạng ${p}. Kiểm tra máy chủ, tên thư mục chia sẻ và quyền của tài khoản chạy agent.`, english);
  let kind: 'missing' | 'file' | 'other' = 'other';
  try {
    kind = statSync(p).isDirectory() ? 'other' : 'file';
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') kind = 'missing';
  }
  if (kind === 'missing') return no(`Thư mục ${p} không tồn tại. Kiểm tra lại chính tả so với thư mục HIS xuất hồ sơ (agent không tự tạo thư mục này, vì thư mục gõ sai sẽ luôn trống).`, english);
  if (kind === 'file') return no(`${p} là một tệp, không phải thư mục. Hãy chọn thư mục HIS xuất hồ sơ.`, english);
  return no(`Tài khoản chạy agent không đọc và di chuyển được tệp trong ${p}. Hãy cấp quyền đọc và ghi cho thư mục này.`, english);
}

/** The MLLP port: can the agent listen on it (every interface, as the listener will)? */
export async function checkPort(port: number): Promise<SetupCheck> {
  if (!Number.isInteger(port) || port < 1 || port > 65535) return no('Cổng MLLP phải là số từ 1 đến 65535.', 'The MLLP port must be 1–65535.');
  const reason = await portFree('0.0.0.0', port);
  if (!reason) return ok(`Cổng ${port} đang trống, agent sẽ nghe HL7v2 ở cổng này.`, `Port ${port} is free.`);
  if (reason === 'EADDRINUSE') return no(`Cổng ${port} đang được chương trình khác dùng. Hãy tắt chương trình đó hoặc chọn cổng khác.`, `Port ${port} is already in use.`);
  if (reason === 'EACCES') return no(`Cổng ${port} cần quyền quản trị. Hãy chọn cổng lớn hơn 1023.`, `Port ${port} needs administrator rights.`);
  return no(`Không nghe được ở cổng ${port} (${reason}). Hãy chọn cổng khác.`, `Cannot listen on port ${port} (${reason}).`);
}

/** The destination with its typed secret, through the agent's own connection test (nothing written). */
export async function checkDestination(dataDir: string, d: SetupDestination): Promise<ConnectionTestResponse> {
  const refused = (messageVi: string, message: string, code: ConnectionTestResponse['code'] = 'not_found'): ConnectionTestResponse => ({ destinationId: d.id, ok: false, code, durationMs: 0, message, messageVi });
  if (!/^https?:\/\/./.test(d.baseUrl)) return refused(`Địa chỉ máy chủ FHIR của "${d.name}" phải bắt đầu bằng https:// (hoặc http:// trong mạng nội bộ).`, 'The base URL must start with https:// (or http:// on a trusted network).');
  if (d.auth !== 'none' && !d.secret) return refused(`Hãy nhập ${d.auth === 'bearer' ? 'mã truy cập (token)' : 'client secret'} của "${d.name}".`, 'The secret is missing.', 'secret_missing');
  let config: AgentConfig;
  try {
    config = validateConfig({ facility: { code: '00000' }, dataDir: dataDir || '/', sources: [], ...pick(draftToDocument({ facility: { code: '00000', name: '' }, dataDir: dataDir || '/', folder: '/', destinations: [d] }), 'destinations') }, (x) => x);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    return refused(`Thông tin nơi nhận "${d.name}" chưa hợp lệ: ${err.problems.join('; ')}`, err.problems.join('; '));
  }
  // The secret as typed stands in for its future file; nothing is written by a test.
  const reference = `file:${secretFile(dataDir || '/', d.id)}`;
  const started = Date.now();
  const check = await testConnection(config.destinations[0]!, { resolveSecret: (ref) => (ref === reference ? d.secret! : resolveSecret(ref)) });
  const answer = toConnectionTestResponse(d.id, check, Date.now() - started);
  // The delivery wording says sending is paused; at setup nothing is sent yet, so say what to change.
  const failed = check.steps.find((s) => !s.ok);
  if (failed && (failed.name === 'auth' || /\b(401|403)\b/.test(failed.detail))) {
    return { ...answer, code: 'auth', messageVi: `${d.name} không chấp nhận ${d.auth === 'oauth2' ? 'client ID hoặc client secret' : d.auth === 'bearer' ? 'mã truy cập (token)' : 'kết nối không xác thực'} đã nhập (${failed.detailVi.replace(/[.;].*$/, '')}). Hãy nhập lại đúng thông tin do ${d.name} cấp rồi kiểm tra lại.` };
  }
  return answer;
}

const pick = (doc: Record<string, unknown>, key: string) => ({ [key]: doc[key] });

/** Writes a file so that readers see the old content or the new, never half: temp file, then rename; 0600. */
export function writeAtomically(path: string, content: string): void {
  mkdirSync(dirname(path), { recursive: true });
  const temp = join(dirname(path), `.${randomBytes(6).toString('hex')}.tmp`);
  try {
    writeFileSync(temp, content, { mode: 0o600, flag: 'wx' });
    chmodSync(temp, 0o600);
    renameSync(temp, path);
  } catch (err) {
    rmSync(temp, { force: true });
    throw err;
  }
}

/** Every check again on the server (the page's buttons are a help, not a guarantee), then the write. */
export async function saveDraft(draft: SetupDraft, configPath: string, usability: UsabilityOptions = {}): Promise<SetupSaveResponse> {
  const problems: SetupSaveResponse['problems'] = [];
  const add = (field: string, c: { ok: boolean; messageVi: string; message: string }) => {
    if (!c.ok) problems.push({ field, messageVi: c.messageVi, message: c.message });
  };
  add('facility', checkFacility(draft.facility));
  if (!draft.dataDir || !isAbsolute(draft.dataDir)) add('dataDir', no('Hãy nhập đường dẫn đầy đủ của thư mục dữ liệu.', 'Give the full path of the data folder.'));
  add('folder', await checkFolder(draft.folder, usability));
  if (draft.mllpPort !== undefined) add('mllpPort', await checkPort(draft.mllpPort));
  if (!draft.destinations.length) add('destinations', no('Hãy khai báo ít nhất một nơi nhận (Sở Y tế hoặc Bộ Y tế).', 'Give at least one destination.'));
  for (const [i, d] of draft.destinations.entries()) add(`destinations[${i}]`, await checkDestination(draft.dataDir, d));
  if (problems.length) return { ok: false, configPath, problems };

  mkdirSync(draft.dataDir, { recursive: true, mode: 0o700 });
  for (const d of draft.destinations) if (d.auth !== 'none' && d.secret) writeAtomically(secretFile(draft.dataDir, d.id), d.secret);
  writeAtomically(configPath, draftToYaml(draft));
  // What was written is what the agent will read: load it with the real loader and check it runs here.
  try {
    const config = loadConfigFile(configPath);
    for (const p of await usabilityProblems(config, usability)) problems.push({ field: p.key, messageVi: `Tệp cấu hình đã ghi còn lỗi ở ${p.key}: ${p.problem}. ${p.fix}`, message: `${p.key}: ${p.problem}; ${p.fix}` });
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    for (const p of err.problems) problems.push({ field: 'config', messageVi: `Tệp cấu hình đã ghi không đọc lại được: ${p}`, message: p });
  }
  if (problems.length) return { ok: false, configPath, problems };
  return { ok: true, configPath, problems, runCommand: `vhr-agent run --config ${quoteArg(configPath)}` };
}

const quoteArg = (p: string) => (/^[\w./:\\-]+$/.test(p) ? p : `"${p}"`);

export interface RunningSetup {
  /** The one-time link: the token is in the fragment, never sent in a request line or logged. */
  link: string;
  url: string;
  close(): Promise<void>;
}

export async function startSetupServer(opts: SetupServerOptions): Promise<RunningSetup> {
  const token = randomBytes(32).toString('base64url');
  const dataDir = opts.dataDir ?? documentedLocations().dataDir;
  const json = (reply: unknown): ApiReply => ({ json: reply });
  const body = <T>(b: unknown): Partial<T> => (b && typeof b === 'object' ? (b as Partial<T>) : {});
  const routes: ApiRoute[] = [
    { ...SETUP_ROUTES.defaults, handle: () => json({ configPath: opts.configPath, exists: existsSync(opts.configPath), dataDir }) },
    { ...SETUP_ROUTES.checkFacility, handle: (r) => json(checkFacility(body<SetupDraft['facility']>(r.body))) },
    { ...SETUP_ROUTES.checkFolder, handle: async (r) => json(await checkFolder(String(body<{ path: string }>(r.body).path ?? ''), opts.usability)) },
    { ...SETUP_ROUTES.checkPort, handle: async (r) => json(await checkPort(Number(body<{ port: number }>(r.body).port))) },
    {
      ...SETUP_ROUTES.testDestination,
      handle: async (r) => {
        const b = body<{ dataDir: string; destination: SetupDestination }>(r.body);
        const read = readDraft({ facility: {}, destinations: [b.destination] });
        if ('error' in read) return badRequest(read.error);
        return json(await checkDestination(String(b.dataDir ?? dataDir), read.draft.destinations[0]!));
      },
    },
    {
      ...SETUP_ROUTES.save,
      handle: async (r) => {
        const read = readDraft(r.body);
        if ('error' in read) return badRequest(read.error);
        return json(await saveDraft(read.draft, opts.configPath, opts.usability));
      },
    },
  ];
  const server = new ApiServer({ host: opts.host ?? '127.0.0.1', port: opts.port ?? 0, token, routes, staticDir: opts.staticDir ?? UI_DIR });
  const url = await server.start();
  return { url, link: `${url}/setup.html#token=${token}`, close: () => server.stop() };
}
