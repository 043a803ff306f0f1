// The text a saxes parser holds of a text node not yet ended. saxes reports a text node only
// when it ends (at the next "<"), so a NOIDUNGFILE of 80 MB would sit whole inside the parser
// and then be handed over as one string. The envelope reader takes what the parser holds after
// each chunk instead, so a table's content leaves the parser piece by piece (DESIGN §4.2).
// saxes is pinned (6.0.0); heldText.test.ts checks the field this relies on.
import type { SaxesParser } from 'saxes';

/**
 * Takes (and clears) the characters of the current text node that the parser has read but
 * not yet reported, once there are at least `minChars` of them (so that tiny chunks do not
 * make as many tiny strings). Only call it while the parser is inside character data (not
 * inside a comment, tag or CDATA section, which saxes collects in the same field).
 */
export function takeHeldText(parser: SaxesParser, minChars = 1): string {
  const held = parser as unknown as { text?: unknown };
  if (typeof held.text !== 'string' || held.text.length === 0 || held.text.length < minChars) return '';
  const text = held.text;
  held.text = '';
  return text;
}
