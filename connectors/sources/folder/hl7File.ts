// HL7v2 messages saved as files (one or many per file, optionally in FHS/BHS batch
// envelopes): split at each MSH segment. Segment ends may be CR, LF or CRLF.

export function splitHl7Messages(text: string): string[] {
  const segments = text.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/);
  const messages: string[][] = [];
  for (const seg of segments) {
    if (seg.trim() === '') continue;
    const id = seg.slice(0, 3);
    if (id === 'FHS' || id === 'BHS' || id === 'BTS' || id === 'FTS') continue;
    if (id === 'MSH') messages.push([seg]);
    else if (messages.length) messages[messages.length - 1]!.push(seg);
    else messages.push([seg]); // text before the first MSH: kept so the converter can report it
  }
  return messages.map((m) => m.join('\r') + '\r');
}
