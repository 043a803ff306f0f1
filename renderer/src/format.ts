// Numbers, times and durations in the officer's language.
import { lang, t } from './i18n/index.js';

const locale = () => (lang() === 'vi' ? 'vi-VN' : 'en-GB');

export function num(n: number): string {
  return new Intl.NumberFormat(locale()).format(n);
}

export function dateTime(isoText: string | null | undefined): string {
  if (!isoText) return t('common.never');
  return new Intl.DateTimeFormat(locale(), { dateStyle: 'short', timeStyle: 'medium' }).format(new Date(isoText));
}

export function shortTime(isoText: string, withDay: boolean): string {
  const opts: Intl.DateTimeFormatOptions = withDay ? { day: '2-digit', month: '2-digit' } : { hour: '2-digit', minute: '2-digit' };
  return new Intl.DateTimeFormat(locale(), opts).format(new Date(isoText));
}

export function duration(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  if (minutes < 1) return t('time.lessThanMinute');
  if (minutes < 60) return t('time.minutes', { n: minutes });
  return t('time.hours', { h: Math.floor(minutes / 60), m: minutes % 60 });
}

export function percent(part: number, total: number): string {
  if (total === 0) return '—';
  return new Intl.NumberFormat(locale(), { style: 'percent', maximumFractionDigits: 1 }).format(part / total);
}

/** `YYYY-MM-DD` of a local day, as date inputs and the API expect. */
export function dayKey(d: Date): string {
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}
