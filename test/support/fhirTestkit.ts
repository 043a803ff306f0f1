// Scripted servers and throwaway certificates for this folder's tests: real node:http(s)
// servers on 127.0.0.1 port 0 whose answers each test writes, and a test CA made with the
// openssl command line. Not used by the agent itself.
import { execFileSync } from 'node:child_process';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { createServer as createHttpServer } from 'node:http';
import type { IncomingHttpHeaders, IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { ServerOptions as HttpsServerOptions } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

export interface SeenRequest {
  method: string;
  /** Path with query. */
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** Subject CN of the client certificate, when one was presented. */
  clientCn?: string;
}

export interface Answer {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export type Handler = (req: SeenRequest) => Answer | Promise<Answer>;

export interface ScriptedServer {
  /** `http(s)://127.0.0.1:port`. */
  url: string;
  requests: SeenRequest[];
  close(): Promise<void>;
}

/** A server whose every answer comes from `handler`; bodies that are not strings are sent as JSON. */
export async function scriptedServer(handler: Handler, tls?: HttpsServerOptions): Promise<ScriptedServer> {
  const requests: SeenRequest[] = [];
  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const socket = req.socket as { getPeerCertificate?: () => { subject?: { CN?: string } } };
      const clientCn = socket.getPeerCertificate?.().subject?.CN;
      const seen: SeenRequest = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), ...(clientCn ? { clientCn } : {}) };
      requests.push(seen);
      void Promise.resolve(handler(seen)).then((answer) => {
        const body = answer.body === undefined ? '' : typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body);
        res.writeHead(answer.status, { 'Content-Type': typeof answer.body === 'string' ? 'text/plain' : 'application/fhir+json', ...answer.headers });
        res.end(body);
      });
    });
  };
  const server: Server = tls ? createHttpsServer(tls, onRequest) : createHttpServer(onRequest);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  return {
    url: `${tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    requests,
    close: async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}

export interface TestPki {
  dir: string;
  caFile: string;
  ca: string;
  serverCert: string;
  serverKey: string;
  clientCertFile: string;
  clientKeyFile: string;
  /** The client key encrypted with `encryptedKeyPassphrase`. */
  clientEncryptedKeyFile: string;
  encryptedKeyPassphrase: string;
  /** A client certificate from a CA the server does not trust. */
  strangerCertFile: string;
  strangerKeyFile: string;
  /** A server certificate signed by nobody the client trusts. */
  selfSignedCert: string;
  selfSignedKey: string;
}

/** A CA, a server certificate for 127.0.0.1/localhost and client certificates, in `dir`, via openssl. */
export function makeTestPki(dir: string): TestPki {
  const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  const leaf = (name: string, cn: string, ca: string, ext: string) => {
    writeFileSync(join(dir, `${name}.ext`), ext);
    ssl('req', ...ec, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`);
    ssl('x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.crt`, '-CAkey', `${ca}.key`, '-CAcreateserial', '-out', `${name}.crt`, '-days', '2', '-extfile', `${name}.ext`);
    chmodSync(join(dir, `${name}.key`), 0o600);
  };
  ssl('req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=vhr test CA');
  ssl('req', '-x509', ...ec, '-keyout', 'stranger-ca.key', '-out', 'stranger-ca.crt', '-days', '2', '-subj', '/CN=stranger CA');
  leaf('server', 'localhost', 'ca', 'basicConstraints=CA:FALSE\nsubjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  leaf('client', 'hospital-94170', 'ca', 'basicConstraints=CA:FALSE\nextendedKeyUsage=clientAuth\n');
  leaf('stranger', 'stranger', 'stranger-ca', 'basicConstraints=CA:FALSE\nextendedKeyUsage=clientAuth\n');
  ssl('req', '-x509', ...ec, '-keyout', 'self.key', '-out', 'self.crt', '-days', '2', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1');
  const passphrase = 'kh0a-bi-mat-test';
  ssl('pkey', '-in', 'client.key', '-aes256', '-passout', `pass:${passphrase}`, '-out', 'client-enc.key');
  chmodSync(join(dir, 'client-enc.key'), 0o600);
  const read = (f: string) => readFileSync(join(dir, f), 'utf8');
  return {
    dir,
    caFile: join(dir, 'ca.crt'),
    ca: read('ca.crt'),
    serverCert: read('server.crt'),
    serverKey: read('server.key'),
    clientCertFile: join(dir, 'client.crt'),
    clientKeyFile: join(dir, 'client.key'),
    clientEncryptedKeyFile: join(dir, 'client-enc.key'),
    encryptedKeyPassphrase: passphrase,
    strangerCertFile: join(dir, 'stranger.crt'),
    strangerKeyFile: join(dir, 'stranger.key'),
    selfSignedCert: read('self.crt'),
    selfSignedKey: read('self.key'),
  };
}

/** A CapabilityStatement with the given system interactions, resource types (all with update) and operations. */
export function capabilityStatement(opts: { fhirVersion?: string; system?: string[]; types?: string[]; operations?: { name: string; definition: string }[] } = {}): Record<string, unknown> {
  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    kind: 'instance',
    fhirVersion: opts.fhirVersion ?? '4.0.1',
    format: ['application/fhir+json'],
    software: { name: 'scripted store', version: '1.0' },
    rest: [
      {
        mode: 'server',
        interaction: (opts.system ?? ['transaction', 'batch']).map((code) => ({ code })),
        resource: (opts.types ?? []).map((type) => ({ type, interaction: [{ code: 'read' }, { code: 'update' }] })),
        ...(opts.operations ? { operation: opts.operations } : {}),
      },
    ],
  };
}
