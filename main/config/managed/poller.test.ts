import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ManagedConfigPoller } from './poller.js';
import { waitFor } from '../../../test/support/waitFor.js';

let server: Server;
let url: string;
let answer: { status: number; body?: string; etag?: string };
const seen: (string | undefined)[] = [];

beforeEach(async () => {
  seen.length = 0;
  answer = { status: 200, body: '{"doc":1}', etag: '"e1"' };
  server = createServer((req, res) => {
    seen.push(req.headers['if-none-match']);
    if (answer.etag && req.headers['if-none-match'] === answer.etag) return void res.writeHead(304).end();
    res.writeHead(answer.status, answer.etag ? { ETag: answer.etag } : {}).end(answer.body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/config.json`;
});
afterEach(async () => {
  await new Promise<void>((r) => server.close(() => r()));
});

describe('managed config poller', () => {
  it('sends the remembered ETag and hands over only changed documents', async () => {
    const docs: string[] = [];
    const poller = new ManagedConfigPoller({ url, intervalMs: 10, onDocument: async (t) => (docs.push(t), true), onFailure: () => undefined });
    poller.start();
    await waitFor(() => seen.length >= 3);
    answer = { status: 200, body: '{"doc":2}', etag: '"e2"' };
    await waitFor(() => docs.length === 2);
    await poller.stop();
    expect(docs).toEqual(['{"doc":1}', '{"doc":2}']);
    expect(seen.slice(0, 3)).toEqual([undefined, '"e1"', '"e1"']);
  });

  it('fetches again a document whose handling asked to retry', async () => {
    let calls = 0;
    const poller = new ManagedConfigPoller({ url, intervalMs: 10, onDocument: async () => (++calls, false), onFailure: () => undefined });
    poller.start();
    await waitFor(() => calls >= 2);
    await poller.stop();
    expect(seen.every((s) => s === undefined)).toBe(true);
  });

  it('reports HTTP errors, unreachable servers and oversized documents without throwing', async () => {
    const reasons: string[] = [];
    const onFailure = (r: string) => void reasons.push(r);
    answer = { status: 503, body: 'busy' };
    await new ManagedConfigPoller({ url, intervalMs: 10, onDocument: async () => true, onFailure }).pollOnce();
    answer = { status: 200, body: 'x'.repeat(2000) };
    await new ManagedConfigPoller({ url, intervalMs: 10, onDocument: async () => true, onFailure, maxBytes: 1000 }).pollOnce();
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const closedUrl = `http://127.0.0.1:${(closed.address() as AddressInfo).port}/config.json`;
    await new Promise<void>((r) => closed.close(() => r()));
    await new ManagedConfigPoller({ url: closedUrl, intervalMs: 10, onDocument: async () => true, onFailure }).pollOnce();
    expect(reasons).toEqual([
      `the ministry config server at ${url} answered HTTP 503`,
      `the document at ${url} is larger than 1000 bytes`,
      `cannot reach the ministry config server at ${closedUrl} (ECONNREFUSED)`,
    ]);
  });
});
