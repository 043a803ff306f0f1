import type { Bundle, OperationOutcome, Parameters } from '@medplum/fhirtypes';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DestinationConfig } from '../../../main/config/schema.js';
import { sampleTransaction } from '../../../test/support/sampleFhirBundles.js';
import type { FhirClient } from './client.js';
import { createDestinationClient } from './destination.js';
import { submissionParameters } from './operation.js';
import { scriptedServer } from '../../../test/support/fhirTestkit.js';
import type { Answer, ScriptedServer, SeenRequest } from '../../../test/support/fhirTestkit.js';

const OPERATION_PATH = '/gateway/fhir/Bundle/$submit-bhyt-claim';

function outcome(...issues: OperationOutcome['issue']): OperationOutcome {
  return { resourceType: 'OperationOutcome', issue: issues };
}

/**
 * A BHYT gateway's `$submit-bhyt-claim` as the IG describes it: it takes only Parameters
 * holding a collection Bundle and a mode, and answers an OperationOutcome. `verdict` decides
 * the answer to a well-formed submission.
 */
function gateway(verdict: (bundle: Bundle, mode: string) => Answer) {
  return (req: SeenRequest): Answer => {
    if (req.method !== 'POST' || req.url !== OPERATION_PATH) return { status: 404, body: outcome({ severity: 'error', code: 'not-found', diagnostics: `no endpoint ${req.url}` }) };
    const params = JSON.parse(req.body) as Parameters;
    const bundle = params.parameter?.find((p) => p.name === 'resource')?.resource as Bundle | undefined;
    const mode = params.parameter?.find((p) => p.name === 'mode')?.valueCode;
    const problem =
      params.resourceType !== 'Parameters'
        ? 'expected Parameters'
        : bundle?.resourceType !== 'Bundle' || bundle.type !== 'collection'
          ? 'resource must be a collection Bundle'
          : bundle.entry?.some((e) => e.request || e.response)
            ? 'collection entries must not have request or response'
            : mode !== 'test' && mode !== 'production'
              ? 'mode must be test or production'
              : undefined;
    if (problem) return { status: 400, body: outcome({ severity: 'error', code: 'structure', diagnostics: problem }) };
    return verdict(bundle!, mode!);
  };
}

let server: ScriptedServer;
let verdict: (bundle: Bundle, mode: string) => Answer;
const clients: FhirClient[] = [];

beforeEach(async () => {
  verdict = (bundle, mode) => ({
    status: 200,
    body: outcome({ severity: 'information', code: 'informational', details: { text: `Đã tiếp nhận ${bundle.entry?.length} mục (${mode})` } }),
  });
  server = await scriptedServer(gateway((b, m) => verdict(b, m)));
});

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await server.close();
});

function operationClient(operationMode: 'test' | 'production' = 'production'): FhirClient {
  const cfg: DestinationConfig = {
    id: 'bhyt',
    type: 'fhir',
    baseUrl: `${server.url}/gateway/fhir`,
    auth: { type: 'none' },
    mode: 'operation',
    operationMode,
    timeoutMs: 5_000,
    concurrency: 1,
    maxBatch: 20,
  };
  const c = createDestinationClient(cfg);
  clients.push(c);
  return c;
}

describe('operation mode: Bundle/$submit-bhyt-claim', () => {
  it('posts Parameters {resource: collection Bundle, mode}; an information-only OperationOutcome is delivered', async () => {
    const bundle = sampleTransaction();
    const result = await operationClient().send(bundle);
    expect(result.classification).toEqual({ kind: 'delivered', code: 'DELIVERED', httpStatus: 200, message: 'Delivered: the store accepted the record.', messageVi: 'Đã gửi: kho dữ liệu đã nhận hồ sơ.' });
    expect(result.responseSummary).toBe('HTTP 200 OperationOutcome (1 issue)');
    expect(bundle.type).toBe('transaction');
    const [req] = server.requests;
    expect(req!.headers['content-type']).toBe('application/fhir+json; charset=utf-8');
    expect(req!.headers.prefer).toBe('return=OperationOutcome');
    expect(JSON.parse(req!.body)).toEqual(submissionParameters(bundle, 'production'));
  });

  it('the collection keeps every resource and fullUrl, without request entries', () => {
    const bundle = sampleTransaction();
    const params = submissionParameters(bundle, 'test');
    const sent = params.parameter![0]!.resource as Bundle;
    expect(params.parameter![1]).toEqual({ name: 'mode', valueCode: 'test' });
    expect(sent.type).toBe('collection');
    expect(sent.entry).toEqual(bundle.entry!.map((e) => ({ fullUrl: e.fullUrl, resource: e.resource })));
    expect(bundle.entry![0]!.request).toBeDefined();
  });

  it('operationMode test is passed as mode=test', async () => {
    await operationClient('test').send(sampleTransaction());
    const params = JSON.parse(server.requests[0]!.body) as Parameters;
    expect(params.parameter?.find((p) => p.name === 'mode')?.valueCode).toBe('test');
  });

  it('warnings only: delivered, with the gateway’s remarks kept', async () => {
    verdict = () => ({ status: 200, body: outcome({ severity: 'warning', code: 'business-rule', details: { text: 'Thiếu số điện thoại người bệnh' } }) });
    const result = await operationClient().send(sampleTransaction());
    expect(result.classification).toMatchObject({ kind: 'delivered', code: 'DELIVERED_WITH_WARNINGS', httpStatus: 200, operationOutcomeText: 'Thiếu số điện thoại người bệnh' });
    expect(result.classification.messageVi).toBe('Đã gửi: kho dữ liệu đã nhận hồ sơ, kèm lưu ý: Thiếu số điện thoại người bệnh.');
  });

  it('error issues in a 200 OperationOutcome reject the record with the gateway’s words', async () => {
    verdict = () => ({
      status: 200,
      body: outcome(
        { severity: 'warning', code: 'business-rule', details: { text: 'Thiếu số điện thoại' } },
        { severity: 'error', code: 'business-rule', details: { text: 'Thẻ BHYT hết hạn' }, expression: ['Coverage.period.end'] },
      ),
    });
    const result = await operationClient().send(sampleTransaction());
    expect(result.classification).toEqual({
      kind: 'rejected',
      code: 'OPERATION_REJECTED',
      httpStatus: 200,
      operationOutcomeText: 'Thẻ BHYT hết hạn (Coverage.period.end)',
      message: 'The gateway refused the claim record (HTTP 200): Thẻ BHYT hết hạn (Coverage.period.end). Fix the data, then send it again.',
      messageVi: 'Cổng tiếp nhận từ chối hồ sơ (HTTP 200): Thẻ BHYT hết hạn (Coverage.period.end). Sửa dữ liệu rồi gửi lại.',
    });
  });

  it('an OperationOutcome returned inside Parameters.return counts the same', async () => {
    verdict = () => ({ status: 200, body: { resourceType: 'Parameters', parameter: [{ name: 'return', resource: outcome({ severity: 'error', code: 'invalid', diagnostics: 'MA_LK trùng' }) }] } });
    expect((await operationClient().send(sampleTransaction())).classification).toMatchObject({ kind: 'rejected', code: 'OPERATION_REJECTED', operationOutcomeText: 'MA_LK trùng' });
  });

  it('a gateway that says "not now" (issue code transient/throttled) is retried', async () => {
    verdict = () => ({ status: 200, body: outcome({ severity: 'error', code: 'throttled', diagnostics: 'Hệ thống đang bận' }) });
    expect((await operationClient().send(sampleTransaction())).classification).toMatchObject({ kind: 'transient', code: 'OPERATION_TRANSIENT', operationOutcomeText: 'Hệ thống đang bận' });
  });

  it('a 400 from the gateway is a rejection; a base without the operation is misconfigured', async () => {
    verdict = () => ({ status: 422, body: outcome({ severity: 'error', code: 'invalid', diagnostics: 'Sai định dạng ngày' }) });
    expect((await operationClient().send(sampleTransaction())).classification).toMatchObject({ kind: 'rejected', code: 'HTTP_422', operationOutcomeText: 'Sai định dạng ngày' });

    const wrongBase = createDestinationClient({ id: 'x', type: 'fhir', baseUrl: `${server.url}/fhir`, auth: { type: 'none' }, mode: 'operation', operationMode: 'test', timeoutMs: 5_000, concurrency: 1, maxBatch: 1 });
    clients.push(wrongBase);
    expect((await wrongBase.send(sampleTransaction())).classification).toMatchObject({ kind: 'misconfigured', code: 'ENDPOINT_NOT_FOUND', httpStatus: 404 });

    verdict = () => ({ status: 405, body: outcome({ severity: 'error', code: 'not-supported', diagnostics: 'operation disabled' }) });
    const disabled = await operationClient().send(sampleTransaction());
    expect(disabled.classification).toMatchObject({ kind: 'misconfigured', code: 'ENDPOINT_UNSUPPORTED', httpStatus: 405 });
    expect(disabled.classification.message).toBe(
      'This address does not accept FHIR $submit-bhyt-claim Bundles (HTTP 405). Check the base URL and the delivery mode; sending to this destination is paused.',
    );
  });

  it('a 2xx that is not FHIR is misconfigured', async () => {
    verdict = () => ({ status: 200, body: '<html>portal</html>' });
    expect((await operationClient().send(sampleTransaction())).classification).toMatchObject({ kind: 'misconfigured', code: 'UNEXPECTED_RESPONSE', httpStatus: 200 });
  });
});
