// What a FHIR store said back (an error text, an OperationOutcome's diagnostics, a response
// summary) can quote the record it refused — a patient's name, CCCD or card number. Such text is
// kept capped, cleaned of control characters and sealed with the payload cipher, like the
// payloads themselves (DESIGN §9: a copied database reveals no patient data). The columns stay
// TEXT (STRICT tables): sealed text is the sealed bytes in base64 behind a marker.
import type { PayloadCipher } from './payloadCipher.js';
import { PayloadCipher as Cipher } from './payloadCipher.js';

/** Marks a sealed value in a TEXT column. Plain values never start with it (see keptText). */
export const SEALED_TEXT_PREFIX = 'vhr-sealed:';
/** Characters of a store's text kept: enough to read the reason, not a whole echoed record. */
export const MAX_KEPT_CHARS = 2000;

/** Capped and cleaned (control characters become spaces), as it will be shown later. */
export function keptText(text: string): string {
  let t = text.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, ' ');
  if (t.startsWith(SEALED_TEXT_PREFIX)) t = ` ${t}`;
  return t.length > MAX_KEPT_CHARS ? `${t.slice(0, MAX_KEPT_CHARS - 1)}…` : t;
}

/** The value to store for a store's text (sealed when encryption at rest is on). */
export function sealStoreText(cipher: PayloadCipher, text: string | null | undefined): string | null {
  if (text == null) return null;
  const kept = keptText(text);
  return cipher.encrypting ? SEALED_TEXT_PREFIX + cipher.sealText(kept).toString('base64') : kept;
}

/** The text back from its stored value (sealed or, written before sealing existed, plain). */
export function openStoreText(cipher: PayloadCipher, stored: string | null | undefined): string | null {
  if (stored == null) return null;
  return stored.startsWith(SEALED_TEXT_PREFIX) ? cipher.openText(Buffer.from(stored.slice(SEALED_TEXT_PREFIX.length), 'base64')) : stored;
}

/** Data key id of a stored value, or null when plain. */
export function storeTextKeyId(stored: string): number | null {
  if (!stored.startsWith(SEALED_TEXT_PREFIX)) return null;
  // 3 magic bytes + 2 key-id bytes are the first 8 base64 characters (6 bytes).
  const head = Buffer.from(stored.slice(SEALED_TEXT_PREFIX.length, SEALED_TEXT_PREFIX.length + 8), 'base64');
  return Cipher.keyIdOf(Buffer.concat([head, Buffer.alloc(40)]));
}

/** Whether a stored value needs (re-)sealing with the current key. */
export function storeTextStale(cipher: PayloadCipher, stored: string | null): boolean {
  if (stored == null) return false;
  return storeTextKeyId(stored) !== (cipher.encrypting ? cipher.currentKeyId : null);
}

/** Re-seals a stored value with the current key (or opens it when encryption is off). */
export function resealStoreText(cipher: PayloadCipher, stored: string | null): string | null {
  return stored == null ? null : sealStoreText(cipher, openStoreText(cipher, stored));
}
