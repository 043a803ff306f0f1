// "Test connection" for the setup screen and the CLI (DESIGN §1, §6): walks the way a
// delivery goes — name lookup, TCP, TLS, credentials, /metadata, capabilities — and says at
// which step it breaks, in English and Vietnamese. Nothing is written to the store. Each
// step only runs when the ones before it worked, so the first failure is the one to fix.
import { lookup } from 'node:dns/promises';
import { request as httpsRequest } from 'node:https';
import { connect, isIP } from 'node:net';
import type { PeerCertificate, TLSSocket } from 'node:tls';
import type { DestinationConfig } from '../../../main/config/schema.js';
import { capabilityWarnings } from './capabilities.js';
import type { CapabilityWarning } from './capabilities.js';
import { classify } from './classify.js';
import { httpsOptions } from './client.js';
import { buildDestination } from './destination.js';
import type { DestinationDeps } from './destination.js';
import type { TlsMaterial } from './tlsFiles.js';
import { RequestTimeoutError } from './transport.js';

export type StepName = 'dns' | 'tcp' | 'tls' | 'auth' | 'metadata' | 'capabilities';

export interface ConnectionStep {
  name: StepName;
  ok: boolean;
  detail: string;
  detailVi: string;
}

export interface ConnectionCheck {
  ok: boolean;
  /** What the store said it is, when /metadata was read. */
  fhirVersion?: string;
  software?: string;
  steps: ConnectionStep[];
  /** The capability warnings, also summarised in the `capabilities` step. */
  warnings: CapabilityWarning[];
}

/** Each network step's own deadline; a setup screen should not hang for a delivery's 30 s. */
const DEFAULT_STEP_TIMEOUT_MS = 10_000;

export async function testConnection(cfg: DestinationConfig, deps: DestinationDeps & { timeoutMs?: number } = {}): Promise<ConnectionCheck> {
  const timeoutMs = deps.timeoutMs ?? Math.min(cfg.timeoutMs, DEFAULT_STEP_TIMEOUT_MS);
  const steps: ConnectionStep[] = [];
  const done = (warnings: CapabilityWarning[] = []): ConnectionCheck => ({ ok: steps.every((s) => s.ok), steps, warnings });
  const step = (name: StepName, ok: boolean, detail: string, detailVi: string): boolean => {
    steps.push({ name, ok, detail, detailVi });
    return ok;
  };

  let url: URL;
  try {
    url = new URL(cfg.baseUrl);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error('protocol');
  } catch {
    step('dns', false, 'The base URL is not a valid http(s) address.', 'Địa chỉ (baseUrl) không phải địa chỉ http(s) hợp lệ.');
    return done();
  }
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));

  const address = await resolveHost(host);
  if (!step('dns', address.ok, address.detail, address.detailVi) || !address.ok) return done();

  const tcp = await tcpReach(address.address, port, timeoutMs);
  if (!step('tcp', tcp.ok, tcp.detail, tcp.detailVi)) return done();

  const parts = buildDestination(cfg, deps);
  try {
    if (url.protocol === 'http:') {
      step('tls', true, 'Not used: the address is http://, so the traffic is not encrypted. Use https:// outside a trusted network.', 'Không dùng: địa chỉ là http:// nên dữ liệu không được mã hóa. Hãy dùng https:// khi đi qua mạng không tin cậy.');
    } else if (parts.setupFailure) {
      step('tls', false, parts.setupFailure.message, parts.setupFailure.messageVi);
      return done();
    } else {
      const tls = await tlsProbe(url, parts.tls, timeoutMs);
      if (!step('tls', tls.ok, tls.detail, tls.detailVi)) return done();
    }

    const auth = await parts.auth.headers();
    const authText = authDescription(cfg);
    if (!auth.ok) {
      step('auth', false, auth.classification.message, auth.classification.messageVi);
      return done();
    }
    step('auth', true, authText.en, authText.vi);

    const metadata = await parts.client.metadata();
    if (!metadata.ok || !metadata.capability) {
      const c = metadata.classification!;
      step('metadata', false, c.message, c.messageVi);
      return done();
    }
    const check = capabilityWarnings(metadata.capability, cfg.mode);
    const what = `FHIR ${check.fhirVersion ?? '?'}${check.software ? ` (${check.software})` : ''}`;
    step('metadata', true, `The store answered: ${what}.`, `Kho dữ liệu đã trả lời: ${what}.`);
    step(
      'capabilities',
      check.ok,
      check.ok ? `The store lists what the ${cfg.mode} mode needs.` : check.warnings.map((w) => w.message).join(' '),
      check.ok ? `Kho dữ liệu có đủ khả năng mà chế độ gửi ${cfg.mode} cần.` : check.warnings.map((w) => w.messageVi).join(' '),
    );
    return { ...done(check.warnings), fhirVersion: check.fhirVersion, software: check.software };
  } finally {
    parts.client.close();
  }
}

function authDescription(cfg: DestinationConfig): { en: string; vi: string } {
  const a = cfg.auth;
  switch (a.type) {
    case 'none':
      return { en: 'No credentials are configured for this destination.', vi: 'Điểm nhận này không cấu hình thông tin đăng nhập.' };
    case 'mtls':
      return { en: 'The client certificate is the credential (accepted in the TLS step).', vi: 'Chứng chỉ máy khách là thông tin xác thực (đã được chấp nhận ở bước TLS).' };
    case 'bearer':
      return { en: `The access token (${a.token}) was read.`, vi: `Đã đọc được mã truy cập (${a.token}).` };
    case 'oauth2':
      return { en: `An access token was obtained from ${a.tokenUrl}.`, vi: `Đã nhận được mã truy cập từ ${a.tokenUrl}.` };
  }
}

type Reach = { ok: true; detail: string; detailVi: string } | { ok: false; detail: string; detailVi: string };

async function resolveHost(host: string): Promise<(Reach & { ok: true; address: string }) | (Reach & { ok: false })> {
  if (isIP(host)) return { ok: true, address: host, detail: `${host} is an IP address; no name lookup needed.`, detailVi: `${host} là địa chỉ IP; không cần tra tên.` };
  try {
    const addresses = await lookup(host, { all: true });
    const list = addresses.map((a) => a.address).join(', ');
    return { ok: true, address: addresses[0]!.address, detail: `${host} resolves to ${list}.`, detailVi: `Tên ${host} ứng với địa chỉ ${list}.` };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOTFOUND') {
      return { ok: false, detail: `The host name ${host} does not exist (DNS). Check the base URL.`, detailVi: `Tên máy chủ ${host} không tồn tại (DNS). Kiểm tra lại địa chỉ (baseUrl).` };
    }
    return {
      ok: false,
      detail: `The host name ${host} cannot be looked up now (${code ?? 'DNS error'}). Check this computer's DNS settings.`,
      detailVi: `Hiện không tra được tên máy chủ ${host} (${code ?? 'lỗi DNS'}). Kiểm tra cấu hình DNS của máy này.`,
    };
  }
}

function tcpReach(address: string, port: number, timeoutMs: number): Promise<Reach> {
  return new Promise((resolve) => {
    const socket = connect({ host: address, port });
    const finish = (r: Reach) => {
      socket.destroy();
      resolve(r);
    };
    socket.setTimeout(timeoutMs, () =>
      finish({
        ok: false,
        detail: `No answer from ${address}:${port} within ${timeoutMs} ms: a firewall may be dropping the connection.`,
        detailVi: `Không có phản hồi từ ${address}:${port} trong ${timeoutMs} ms: có thể tường lửa đang chặn kết nối.`,
      }),
    );
    socket.once('connect', () => finish({ ok: true, detail: `Connected to ${address}:${port}.`, detailVi: `Đã kết nối tới ${address}:${port}.` }));
    socket.once('error', (err: NodeJS.ErrnoException) =>
      finish(
        err.code === 'ECONNREFUSED'
          ? {
              ok: false,
              detail: `${address}:${port} refused the connection: nothing is listening on that port, or the port is wrong.`,
              detailVi: `${address}:${port} từ chối kết nối: không có dịch vụ ở cổng này, hoặc sai số cổng.`,
            }
          : { ok: false, detail: `Cannot connect to ${address}:${port} (${err.code ?? err.message}).`, detailVi: `Không kết nối được tới ${address}:${port} (${err.code ?? err.message}).` },
      ),
    );
  });
}

/**
 * One HTTPS request for `/metadata` without credentials. Any HTTP answer, 401 included,
 * proves the handshake worked both ways: under TLS 1.3 a store refuses a client certificate
 * only after the client considers the handshake done, so connecting alone would not show it.
 */
function tlsProbe(base: URL, material: TlsMaterial, timeoutMs: number): Promise<Reach> {
  return new Promise((resolve) => {
    let settled = false;
    const finish = (r: Reach) => {
      if (settled) return;
      settled = true;
      resolve(r);
    };
    const req = httpsRequest(new URL(`${base.href.replace(/\/+$/, '')}/metadata`), {
      method: 'GET',
      agent: false,
      headers: { Accept: 'application/fhir+json', 'User-Agent': 'vhr-agent' },
      ...httpsOptions(material),
    });
    let handshakeDone = false;
    req.once('socket', (socket) => socket.once('secureConnect', () => (handshakeDone = true)));
    req.setTimeout(timeoutMs, () => req.destroy(new RequestTimeoutError(timeoutMs)));
    req.once('error', (err: NodeJS.ErrnoException) => {
      // Some stores drop a connection whose client certificate they do not trust without a
      // TLS alert; right after a handshake in which we offered one, that is the likely cause.
      if (handshakeDone && material.cert && (err.code === 'ECONNRESET' || err.code === 'EPIPE')) {
        return finish({
          ok: false,
          detail: `The store closed the connection right after the secure handshake (${err.code}): it probably does not accept this computer's client certificate (tls.certFile). Check it with the store's administrators.`,
          detailVi: `Kho dữ liệu đóng kết nối ngay sau bước bắt tay bảo mật (${err.code}): nhiều khả năng kho không chấp nhận chứng chỉ máy khách của máy này (tls.certFile). Kiểm tra cùng quản trị kho dữ liệu.`,
        });
      }
      const c = classify({ type: 'network', error: err, requestSent: false });
      finish({ ok: false, detail: c.message, detailVi: c.messageVi });
    });
    req.once('response', (res) => {
      const socket = res.socket as TLSSocket;
      const peer = socket.getPeerCertificate();
      const protocol = socket.getProtocol() ?? 'TLS';
      res.resume();
      res.once('error', (err) => {
        const c = classify({ type: 'network', error: err, requestSent: true });
        finish({ ok: false, detail: c.message, detailVi: c.messageVi });
      });
      res.once('end', () => {
        const sent = material.cert ? ' The client certificate was accepted.' : '';
        const sentVi = material.cert ? ' Chứng chỉ máy khách đã được chấp nhận.' : '';
        finish({
          ok: true,
          detail: `${protocol}; the store's certificate (${describeCert(peer)}) is trusted.${sent}`,
          detailVi: `${protocol}; chứng chỉ của kho dữ liệu (${describeCert(peer)}) được tin cậy.${sentVi}`,
        });
      });
    });
    req.end();
  });
}

function describeCert(peer: PeerCertificate): string {
  const subject = peer.subject?.CN ?? '?';
  const issuer = peer.issuer?.CN ?? '?';
  const until = peer.valid_to ? new Date(peer.valid_to).toISOString().slice(0, 10) : '?';
  return `CN=${subject}, issuer CN=${issuer}, valid until ${until}`;
}
