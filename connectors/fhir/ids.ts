// Deterministic resource ids (DESIGN §4.6): UUID v5 over a namespace and the business key,
// e.g. `Encounter|94170|MA_LK`. The same record sent again yields the same ids, so PUT
// entries update rather than duplicate, and re-sending after a timeout is harmless.
import * as crypto from 'node:crypto';

/** Namespace of vhr-agent ids (a fixed random UUID; never change it: ids already sent depend on it). */
export const VHR_ID_NAMESPACE = '6f1f4c1e-3b8e-4f0a-9d4c-2a9b7e5d1c30';

/** Namespace bytes by UUID text: a converted record computes hundreds of ids in a few namespaces. */
const namespaceBytes = new Map<string, Buffer>();

function uuidBytes(uuid: string): Buffer {
  let b = namespaceBytes.get(uuid);
  if (!b) {
    b = Buffer.from(uuid.replace(/-/g, ''), 'hex');
    if (namespaceBytes.size < 64) namespaceBytes.set(uuid, b);
  }
  return b;
}

/** One-shot SHA-1 (Node ≥ 20.12), else a Hash object: the one-shot skips the object's setup per id. */
const sha1: (data: Buffer) => Buffer =
  typeof (crypto as { hash?: unknown }).hash === 'function'
    ? (data) => crypto.hash('sha1', data, 'buffer')
    : (data) => crypto.createHash('sha1').update(data).digest();

/** RFC 9562 UUID version 5 (SHA-1, name-based). */
export function uuidV5(name: string, namespace: string = VHR_ID_NAMESPACE): string {
  const ns = uuidBytes(namespace);
  const data = Buffer.allocUnsafe(16 + Buffer.byteLength(name, 'utf8'));
  ns.copy(data, 0);
  data.write(name, 16, 'utf8');
  const b = sha1(data).subarray(0, 16);
  b[6] = (b[6]! & 0x0f) | 0x50;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** Id of a resource from its type and business key parts: `resourceId('Encounter', maCskcb, maLk)`. */
export function resourceId(resourceType: string, ...keyParts: readonly string[]): string {
  let name = resourceType;
  for (const part of keyParts) name += `|${part}`;
  return uuidV5(name);
}
