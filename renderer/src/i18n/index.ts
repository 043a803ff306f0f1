// Message lookup with `{name}` parameters; the chosen language is remembered on this computer.
import { vi, type MessageKey } from './vi.js';
import { en } from './en.js';

export type Lang = 'vi' | 'en';
export type { MessageKey };

const catalogues: Record<Lang, Record<MessageKey, string>> = { vi, en };
const STORAGE_KEY = 'vhr.lang';

let current: Lang = readStoredLang();

function readStoredLang(): Lang {
  try {
    return localStorage.getItem(STORAGE_KEY) === 'en' ? 'en' : 'vi';
  } catch {
    return 'vi';
  }
}

export function lang(): Lang {
  return current;
}

export function setLang(l: Lang): void {
  current = l;
  document.documentElement.lang = l;
  try {
    localStorage.setItem(STORAGE_KEY, l);
  } catch {
    // storage disabled: the choice lasts for this page only
  }
}

export function t(key: MessageKey, params: Record<string, string | number> = {}): string {
  const text = catalogues[current][key];
  return text.replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
}

/** The label of a state code, or the code itself when the catalogue has none. */
export function stateLabel(state: string): string {
  const key = `state.${state}` as MessageKey;
  return key in vi ? t(key) : state;
}

export function outcomeLabel(outcome: string): string {
  const key = `outcome.${outcome}` as MessageKey;
  return key in vi ? t(key) : outcome;
}
