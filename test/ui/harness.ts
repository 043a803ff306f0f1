// A real headless agent for the UI tests: a local FHIR store with two bases (province and
// ministry), the agent watching a temp inbox and delivering to both, and the agent's own
// status API serving the freshly built UI. Nothing is mocked: files go in, FHIR comes out.
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'vite';
import { chromium, type Browser } from 'playwright-core';
import { Agent } from '../../main/agent/agent.js';
import { generateSigningKeys, parsePrivateKey, signDocument } from '../../main/config/managed/signing.js';
import { parseConfigText } from '../../main/config/load.js';
import { createLogger } from '../../main/log.js';
import { startLocalFhirStore, type LocalFhirStore } from '../../main/localstore/fhirStore.js';
import { PACKAGE_ROOT } from '../../main/paths.js';

export interface UiHarness {
  agent: Agent;
  fhir: LocalFhirStore;
  dataDir: string;
  /** Opens the UI already authorised, like the uiUrl in api.json. */
  uiUrl: string;
  /** A configuration document signed with the ministry key this agent pins. */
  signConfig(doc: Record<string, unknown>): string;
  /** Writes a claim file into the watched folder the way a careful HIS does (temp name, then rename). */
  drop(name: string, xml: string | Buffer): void;
  close(): Promise<void>;
}

export async function buildUi(): Promise<void> {
  await build({ configFile: join(PACKAGE_ROOT, 'renderer', 'vite.config.ts'), logLevel: 'warn' });
}

export async function startUiHarness(): Promise<UiHarness> {
  const dataDir = mkdtempSync(join(tmpdir(), 'vhr-ui-'));
  // References checked on write, no size limit: the real samples go as one transaction each.
  const fhir = await startLocalFhirStore({ bases: ['province', 'ministry'] });
  // The ministry's key pair: the public half is pinned in the config, the private half signs test documents.
  const ministry = generateSigningKeys();
  writeFileSync(join(dataDir, 'ministry.pub'), ministry.publicKeyPem);
  const yaml = `
facility: { code: "94170", name: "Bệnh viện Đa khoa tỉnh (thử nghiệm)" }
dataDir: ${JSON.stringify(dataDir)}
sources:
  - { id: his-xml, type: folder, path: ${JSON.stringify(join(dataDir, 'inbox'))}, quietMs: 50 }
destinations:
  - { id: province, type: fhir, baseUrl: "${fhir.baseUrl('province')}", timeoutMs: 5000 }
  - { id: ministry, type: fhir, baseUrl: "${fhir.baseUrl('ministry')}", timeoutMs: 5000 }
statusApi: { host: 127.0.0.1, port: 0 }
retry: { baseDelayMs: 20, maxDelayMs: 200, jitter: 0 }
managed: { publicKey: ${JSON.stringify(join(dataDir, 'ministry.pub'))} }
`;
  // The agent's own status API, as installed; only the screens' refresh is made quicker.
  const agent = new Agent(parseConfigText(yaml, dataDir), { logger: createLogger({ dataDir }), eventIntervalMs: 250 });
  await agent.start();
  const inbox = join(dataDir, 'inbox');
  return {
    agent,
    fhir,
    dataDir,
    uiUrl: agent.apiInfo!.uiUrl,
    signConfig(doc) {
      return JSON.stringify(signDocument(Buffer.from(JSON.stringify(doc)), parsePrivateKey(ministry.privateKeyPem)));
    },
    drop(name, xml) {
      writeFileSync(join(inbox, `${name}.part`), xml);
      renameSync(join(inbox, `${name}.part`), join(inbox, name));
    },
    async close() {
      await agent.stop();
      await fhir.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Debian's chromium, headless, no calls home (see STACK.md); Playwright gives it a fresh temporary profile. */
export async function launchChromium(): Promise<{ browser: Browser; close: () => Promise<void> }> {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic',],
  });
  return {
    browser,
    async close() {
      await browser.close();
    },
  };
}
