import { describe, expect, it } from 'vitest';
import { SaxesParser } from 'saxes';
import { takeHeldText } from './heldText.js';

describe('text held by the XML parser', () => {
  it('is the unreported part of the current text node, and the node then reports only the rest', () => {
    const parser = new SaxesParser();
    const reported: string[] = [];
    parser.on('text', (t) => reported.push(t));
    parser.write('<A>abc');
    parser.write('def&amp;g');
    expect(reported).toEqual([]);
    expect(takeHeldText(parser, 9)).toBe('');
    expect(takeHeldText(parser, 8)).toBe('abcdef&g');
    expect(takeHeldText(parser)).toBe('');
    parser.write('hi</A>');
    parser.close();
    expect(reported).toEqual(['hi']);
  });
});
