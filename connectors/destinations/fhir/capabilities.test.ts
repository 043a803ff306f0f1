import type { CapabilityStatement } from '@medplum/fhirtypes';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startLocalFhirStore } from '../../../main/localstore/fhirStore.js';
import type { LocalFhirStore } from '../../../main/localstore/fhirStore.js';
import { capabilityWarnings, checkCapabilities, WRITTEN_RESOURCE_TYPES } from './capabilities.js';
import { FhirClient } from './client.js';
import { capabilityStatement } from '../../../test/support/fhirTestkit.js';

const ALL_TYPES = [...WRITTEN_RESOURCE_TYPES, 'Bundle'];
const cs = (opts: Parameters<typeof capabilityStatement>[0]) => capabilityStatement(opts) as unknown as CapabilityStatement;
const codes = (check: { warnings: { code: string }[] }) => check.warnings.map((w) => w.code);

describe('capabilityWarnings (pure)', () => {
  it('a store with transaction, batch and update on every written type needs no warning', () => {
    const check = capabilityWarnings(cs({ types: ALL_TYPES }), 'transaction');
    expect(check).toEqual({ ok: true, warnings: [], fhirVersion: '4.0.1', software: 'scripted store 1.0' });
    expect(capabilityWarnings(cs({ types: ALL_TYPES }), 'batch').ok).toBe(true);
  });

  it('a missing system interaction is named for the mode that needs it', () => {
    const noTransaction = capabilityWarnings(cs({ system: ['batch'], types: ALL_TYPES }), 'transaction');
    expect(noTransaction.ok).toBe(false);
    expect(noTransaction.warnings).toEqual([
      {
        code: 'NO_TRANSACTION',
        message: `The store does not list the "transaction" interaction, which the transaction mode needs to save a record in one step. Choose batch mode, or ask the store's administrators.`,
        messageVi: 'Kho dữ liệu không khai báo hỗ trợ "transaction" (lưu cả hồ sơ trong một lần) mà chế độ gửi transaction cần. Chọn chế độ batch hoặc liên hệ quản trị kho dữ liệu.',
      },
    ]);
    expect(codes(capabilityWarnings(cs({ system: ['transaction'], types: ALL_TYPES }), 'batch'))).toEqual(['NO_BATCH']);
    expect(capabilityWarnings(cs({ system: ['batch'], types: ALL_TYPES }), 'batch').ok).toBe(true);
  });

  it('resource types we PUT without an update interaction are listed, in one warning', () => {
    const types = ALL_TYPES.filter((t) => t !== 'Claim' && t !== 'Coverage');
    const check = capabilityWarnings(cs({ types }), 'transaction');
    expect(check.warnings).toEqual([
      {
        code: 'NO_UPDATE',
        message: 'The store does not list "update" (PUT) for Coverage, Claim; records holding these resources will be refused.',
        messageVi: 'Kho dữ liệu không khai báo hỗ trợ cập nhật (PUT) cho Coverage, Claim; hồ sơ có các loại dữ liệu này sẽ bị từ chối.',
      },
    ]);
    expect(codes(capabilityWarnings(cs({ types: ['Patient'] }), 'transaction', ['Patient']))).toEqual([]);
  });

  it('updateCreate false means new records cannot be PUT', () => {
    const statement = cs({ types: ALL_TYPES });
    const patient = statement.rest![0]!.resource!.find((r) => r.type === 'Patient')!;
    patient.updateCreate = false;
    const check = capabilityWarnings(statement, 'transaction');
    expect(codes(check)).toEqual(['NO_UPDATE_CREATE']);
    expect(check.warnings[0]!.message).toBe(
      'The store does not allow creating Patient by PUT to a new id (updateCreate is false), which is how the agent sends new records.',
    );
  });

  it('operation mode needs $submit-bhyt-claim, found by name or by canonical at system or Bundle level', () => {
    const missing = capabilityWarnings(cs({ types: ALL_TYPES }), 'operation');
    expect(missing.warnings).toEqual([
      {
        code: 'NO_SUBMIT_OPERATION',
        message:
          'The store does not list the operation $submit-bhyt-claim (http://fhir.hl7.org.vn/core/OperationDefinition/vn-submit-bhyt-claim) that the operation mode uses; submissions will probably be refused. Check the address, or choose another delivery mode.',
        messageVi:
          'Kho dữ liệu không khai báo thao tác $submit-bhyt-claim (http://fhir.hl7.org.vn/core/OperationDefinition/vn-submit-bhyt-claim) mà chế độ gửi "operation" cần; hồ sơ có thể bị từ chối. Kiểm tra địa chỉ hoặc chọn chế độ gửi khác.',
      },
    ]);
    const bySystemCanonical = cs({ system: [], operations: [{ name: 'submit', definition: 'http://fhir.hl7.org.vn/core/OperationDefinition/vn-submit-bhyt-claim|0.6.0' }] });
    expect(capabilityWarnings(bySystemCanonical, 'operation')).toMatchObject({ ok: true, warnings: [] });
    const onBundle = cs({ system: [] });
    onBundle.rest![0]!.resource = [{ type: 'Bundle', operation: [{ name: '$submit-bhyt-claim', definition: 'http://gateway.example/OperationDefinition/x' }] }];
    expect(capabilityWarnings(onBundle, 'operation').ok).toBe(true);
  });

  it('warns about another FHIR version, a missing version, no JSON and no server REST', () => {
    const r5 = capabilityWarnings(cs({ fhirVersion: '5.0.0', types: ALL_TYPES }), 'transaction');
    expect(r5.warnings).toEqual([
      {
        code: 'FHIR_VERSION',
        message: 'The store speaks FHIR 5.0.0, but the agent sends FHIR R4 (4.0.x); records may be refused or misread.',
        messageVi: 'Kho dữ liệu dùng FHIR 5.0.0, trong khi phần mềm gửi FHIR R4 (4.0.x); hồ sơ có thể bị từ chối hoặc hiểu sai.',
      },
    ]);
    const bare = { resourceType: 'CapabilityStatement', format: ['xml'], status: 'active', kind: 'instance', date: '2025-01-01' } as CapabilityStatement;
    expect(codes(capabilityWarnings(bare, 'transaction'))).toEqual(['FHIR_VERSION', 'NO_JSON', 'NO_SERVER_REST']);
    expect(capabilityWarnings(bare, 'transaction').warnings[0]!.message).toContain('FHIR (version not stated)');
  });
});

describe('checkCapabilities against a real store', () => {
  let store: LocalFhirStore;
  const clients: FhirClient[] = [];
  beforeEach(async () => {
    store = await startLocalFhirStore({ bases: ['province'] });
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    await store.close();
  });
  const client = (mode?: 'transaction' | 'batch' | 'operation') => {
    const c = new FhirClient({ baseUrl: store.baseUrl('province'), timeoutMs: 5_000, ...(mode ? { mode } : {}) });
    clients.push(c);
    return c;
  };

  it('the local store has what transaction and batch need, but no claim operation', async () => {
    expect(await checkCapabilities(client())).toEqual({ ok: true, warnings: [], fhirVersion: '4.0.1', software: 'vhr-agent local FHIR store' });
    expect(await checkCapabilities(client('batch'))).toMatchObject({ ok: true, warnings: [] });
    expect(codes(await checkCapabilities(client('operation')))).toEqual(['NO_SUBMIT_OPERATION']);
    expect(codes(await checkCapabilities(client(), 'operation'))).toEqual(['NO_SUBMIT_OPERATION']);
  });

  it('an unreachable store is a warning, not a crash', async () => {
    const c = client();
    await store.close();
    const check = await checkCapabilities(c);
    expect(check).toEqual({
      ok: false,
      warnings: [
        {
          code: 'METADATA_UNAVAILABLE',
          message: 'Could not read what the store supports (/metadata): The store refused the connection (is it running, is the port right?); the agent will retry automatically.',
          messageVi:
            'Không đọc được khả năng của kho dữ liệu (/metadata): Kho dữ liệu từ chối kết nối (máy chủ có đang chạy, cổng có đúng không?); hệ thống sẽ tự gửi lại.',
        },
      ],
    });
    store = await startLocalFhirStore({ bases: ['province'] });
  });
});
