// Does this store support what our delivery mode needs? Read from its CapabilityStatement
// (`GET [base]/metadata`, DESIGN §6) and said in plain words, English and Vietnamese. These
// are warnings, never blockers: many stores publish incomplete statements, and the
// deliveries themselves give the final answer.
import type { CapabilityStatement, CapabilityStatementRest, CapabilityStatementRestResourceOperation } from '@medplum/fhirtypes';
import type { ClientMode, FhirClient } from './client.js';
import { SUBMIT_BHYT_CLAIM } from './operation.js';

export interface CapabilityWarning {
  /** Stable: FHIR_VERSION, NO_SERVER_REST, NO_TRANSACTION, NO_BATCH, NO_UPDATE, NO_UPDATE_CREATE, NO_SUBMIT_OPERATION, NO_JSON, METADATA_UNAVAILABLE. */
  code: string;
  message: string;
  messageVi: string;
}

export interface CapabilityCheck {
  /** True when nothing the mode needs is missing. */
  ok: boolean;
  warnings: CapabilityWarning[];
  fhirVersion?: string;
  /** `software.name software.version`, when the store says. */
  software?: string;
}

/**
 * Resource types the converters write with PUT by deterministic id (DESIGN §4.6): the claim
 * record's core first, then what HL7v2 feeds add.
 */
export const WRITTEN_RESOURCE_TYPES = [
  'Patient',
  'Encounter',
  'Condition',
  'Coverage',
  'Organization',
  'Claim',
  'Procedure',
  'Observation',
  'ServiceRequest',
  'DiagnosticReport',
  'MedicationRequest',
  'Immunization',
  'AllergyIntolerance',
  'DocumentReference',
  'Appointment',
  'RelatedPerson',
  'Location',
  'ClinicalImpression',
  'CarePlan',
] as const;

/** Reads the store's CapabilityStatement and compares it with what `mode` needs. An unreachable store is a warning too. */
export async function checkCapabilities(
  client: FhirClient,
  mode: ClientMode = client.mode ?? 'transaction',
  opts: { resourceTypes?: readonly string[] } = {},
): Promise<CapabilityCheck> {
  const metadata = await client.metadata();
  if (!metadata.ok || !metadata.capability) {
    const why = metadata.classification;
    return {
      ok: false,
      warnings: [
        {
          code: 'METADATA_UNAVAILABLE',
          message: `Could not read what the store supports (/metadata)${why ? `: ${why.message}` : '.'}`,
          messageVi: `Không đọc được khả năng của kho dữ liệu (/metadata)${why ? `: ${why.messageVi}` : '.'}`,
        },
      ],
    };
  }
  return capabilityWarnings(metadata.capability, mode, opts.resourceTypes);
}

/** Pure: the warnings for one CapabilityStatement and mode. */
export function capabilityWarnings(cs: CapabilityStatement, mode: ClientMode, resourceTypes: readonly string[] = WRITTEN_RESOURCE_TYPES): CapabilityCheck {
  const warnings: CapabilityWarning[] = [];
  const fhirVersion = cs.fhirVersion;
  if (!fhirVersion || !/^4\.0\.\d+$/.test(fhirVersion)) {
    warnings.push({
      code: 'FHIR_VERSION',
      message: `The store speaks FHIR ${fhirVersion ?? '(version not stated)'}, but the agent sends FHIR R4 (4.0.x); records may be refused or misread.`,
      messageVi: `Kho dữ liệu dùng FHIR ${fhirVersion ?? '(không ghi phiên bản)'}, trong khi phần mềm gửi FHIR R4 (4.0.x); hồ sơ có thể bị từ chối hoặc hiểu sai.`,
    });
  }
  if (cs.format && cs.format.length > 0 && !cs.format.some((f) => /json/i.test(f))) {
    warnings.push({
      code: 'NO_JSON',
      message: 'The store does not list JSON among its formats; the agent sends FHIR JSON only.',
      messageVi: 'Kho dữ liệu không khai báo hỗ trợ định dạng JSON; phần mềm chỉ gửi FHIR JSON.',
    });
  }
  const rest = cs.rest?.find((r) => r.mode === 'server');
  if (!rest) {
    warnings.push({
      code: 'NO_SERVER_REST',
      message: 'The store does not describe any REST server capability, so the agent cannot tell whether it accepts records.',
      messageVi: 'Kho dữ liệu không mô tả khả năng máy chủ REST nào, nên không biết kho có nhận hồ sơ hay không.',
    });
  } else if (mode === 'operation') {
    if (!hasSubmitOperation(rest)) {
      warnings.push({
        code: 'NO_SUBMIT_OPERATION',
        message: `The store does not list the operation $${SUBMIT_BHYT_CLAIM.name} (${SUBMIT_BHYT_CLAIM.definition}) that the operation mode uses; submissions will probably be refused. Check the address, or choose another delivery mode.`,
        messageVi: `Kho dữ liệu không khai báo thao tác $${SUBMIT_BHYT_CLAIM.name} (${SUBMIT_BHYT_CLAIM.definition}) mà chế độ gửi "operation" cần; hồ sơ có thể bị từ chối. Kiểm tra địa chỉ hoặc chọn chế độ gửi khác.`,
      });
    }
  } else {
    warnings.push(...bundleModeWarnings(rest, mode, resourceTypes));
  }
  const software = [cs.software?.name, cs.software?.version].filter(Boolean).join(' ');
  return { ok: warnings.length === 0, warnings, ...(fhirVersion ? { fhirVersion } : {}), ...(software ? { software } : {}) };
}

function bundleModeWarnings(rest: CapabilityStatementRest, mode: 'transaction' | 'batch', resourceTypes: readonly string[]): CapabilityWarning[] {
  const warnings: CapabilityWarning[] = [];
  if (!rest.interaction?.some((i) => i.code === mode)) {
    warnings.push(
      mode === 'transaction'
        ? {
            code: 'NO_TRANSACTION',
            message: `The store does not list the "transaction" interaction, which the transaction mode needs to save a record in one step. Choose batch mode, or ask the store's administrators.`,
            messageVi: 'Kho dữ liệu không khai báo hỗ trợ "transaction" (lưu cả hồ sơ trong một lần) mà chế độ gửi transaction cần. Chọn chế độ batch hoặc liên hệ quản trị kho dữ liệu.',
          }
        : {
            code: 'NO_BATCH',
            message: `The store does not list the "batch" interaction, which the batch mode needs. Choose transaction mode, or ask the store's administrators.`,
            messageVi: 'Kho dữ liệu không khai báo hỗ trợ "batch" mà chế độ gửi batch cần. Chọn chế độ transaction hoặc liên hệ quản trị kho dữ liệu.',
          },
    );
  }
  const byType = new Map((rest.resource ?? []).map((r) => [r.type as string, r]));
  const noUpdate = resourceTypes.filter((t) => !byType.get(t)?.interaction?.some((i) => i.code === 'update'));
  if (noUpdate.length > 0) {
    warnings.push({
      code: 'NO_UPDATE',
      message: `The store does not list "update" (PUT) for ${noUpdate.join(', ')}; records holding these resources will be refused.`,
      messageVi: `Kho dữ liệu không khai báo hỗ trợ cập nhật (PUT) cho ${noUpdate.join(', ')}; hồ sơ có các loại dữ liệu này sẽ bị từ chối.`,
    });
  }
  // The agent PUTs to ids the store has not seen yet; a store that forbids that refuses every new record.
  const noCreate = resourceTypes.filter((t) => !noUpdate.includes(t) && byType.get(t)?.updateCreate === false);
  if (noCreate.length > 0) {
    warnings.push({
      code: 'NO_UPDATE_CREATE',
      message: `The store does not allow creating ${noCreate.join(', ')} by PUT to a new id (updateCreate is false), which is how the agent sends new records.`,
      messageVi: `Kho dữ liệu không cho phép tạo mới ${noCreate.join(', ')} bằng PUT với mã định danh mới (updateCreate = false), trong khi phần mềm gửi hồ sơ mới theo cách này.`,
    });
  }
  return warnings;
}

/** At system level or on Bundle, by name (with or without `$`) or by definition canonical (version ignored). */
function hasSubmitOperation(rest: CapabilityStatementRest): boolean {
  const bundle = rest.resource?.find((r) => r.type === 'Bundle');
  const operations: CapabilityStatementRestResourceOperation[] = [...(rest.operation ?? []), ...(bundle?.operation ?? [])];
  return operations.some((op) => op.name?.replace(/^\$/, '') === SUBMIT_BHYT_CLAIM.name || op.definition?.split('|')[0] === SUBMIT_BHYT_CLAIM.definition);
}
