// Deterministic resource ids (DESIGN §4.6): UUID v5 over a namespace and the business key,
// e.g. `Encounter|94170|MA_LK`. The same record sent again yields the same ids, so PUT
// entries update rather than duplicate, and re-sending after a timeout is harmless.
import { createHash } from 'node:crypto';

/** Namespace of vhr-agent ids (a fixed random UUID; never change it: ids already sent depend on it). */
export const VHR_ID_NAMESPACE = '6f1f4c1e-3b8e-4f0a-9d4c-2a9b7e5d1c30';

function uuidBytes(uuid: string): Buffer {
  return Buffer.from(uuid.replace(/-/g, ''), 'hex');
}

/** RFC 9562 UUID version 5 (SHA-1, name-based). */
export function uuidV5(name: string, namespace: string = VHR_ID_NAMESPACE): string {
  const hash = createHash('sha1').update(uuidBytes(namespace)).update(name, 'utf8').digest();
  const b = hash.subarray(0, 16);
  b[6] = (b[6]! & 0x0f) | 0x50;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** Id of a resource from its type and business key parts: `resourceId('Encounter', maCskcb, maLk)`. */
export function resourceId(resourceType: string, ...keyParts: readonly string[]): string {
  return uuidV5([resourceType, ...keyParts].join('|'));
}
