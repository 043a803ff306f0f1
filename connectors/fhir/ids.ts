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

/** One-shot SHA-1 as hex (Node ≥ 20.12), else a Hash object: the one-shot skips the object's setup per id. */
const sha1Hex: (data: Buffer) => string =
  typeof (crypto as { hash?: unknown }).hash === 'function'
    ? (data) => crypto.hash('sha1', data, 'hex')
    : (data) => crypto.createHash('sha1').update(data).digest('hex');

const HEX_DIGITS = '0123456789abcdef';

/** RFC 9562 UUID version 5 (SHA-1, name-based). */
export function uuidV5(name: string, namespace: string = VHR_ID_NAMESPACE): string {
  const ns = uuidBytes(namespace);
  const data = Buffer.allocUnsafe(16 + Buffer.byteLength(name, 'utf8'));
  ns.copy(data, 0);
  data.write(name, 16, 'utf8');
  // The first 16 bytes of the hash as text, with the version (5) and variant (10xx) bits set:
  // digit 12 is the version nibble, digit 16 the variant's.
  const h = sha1Hex(data);
  const variant = HEX_DIGITS[(Number.parseInt(h[16]!, 16) & 0x3) | 0x8];
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** Id of a resource from its type and business key parts: `resourceId('Encounter', maCskcb, maLk)`. */
export function resourceId(resourceType: string, ...keyParts: readonly string[]): string {
  let name = resourceType;
  for (const part of keyParts) name += `|${part}`;
  return uuidV5(name);
}
