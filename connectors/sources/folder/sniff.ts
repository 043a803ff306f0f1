// Tells claim XML from HL7v2 by the first bytes, for folders and `convert --format auto`.
import { open, type FileHandle } from 'node:fs/promises';

/** Claim XML starts with `<` (after a BOM and blanks); HL7v2 with MSH, a batch header or an MLLP start block. */
export async function sniffFileFormat(path: string, handle?: FileHandle): Promise<'xml130' | 'hl7v2' | null> {
  const fh = handle ?? (await open(path, 'r'));
  try {
    const { buffer, bytesRead } = await fh.read(Buffer.alloc(512), 0, 512, 0);
    const head = buffer.subarray(0, bytesRead).toString('latin1').replace(/^\u00ef\u00bb\u00bf/, '').replace(/^\x0b/, '').trimStart();
    if (head.startsWith('<')) return 'xml130';
    if (/^(MSH|FHS|BHS)/.test(head)) return 'hl7v2';
    return null;
  } finally {
    if (!handle) await fh.close();
  }
}
