// Numbers, times and durations in the officer's language.
import { lang, t } from './i18n/index.js';

const locale = () => (lang() === 'vi' ? 'vi-VN' : 'en-GB');

export function num(n: number): string {
  return new Intl.NumberFormat(locale()).format(n);
}

const pad = (n: number) => String(n).padStart(2, '0');

/** dd/mm/yyyy, the way dates are written in Vietnam (in both languages, so printouts agree). */
export function date(d: Date): string {
  return `${pad(d.getDate())}/${pad(d.getMonth() + 1)}/${d.getFullYear()}`;
}

/** dd/mm/yyyy HH:mm:ss on the agent's clock as this browser shows it. */
export function dateTime(isoText: string | null | undefined): string {
  if (!isoText) return t('common.never');
  const d = new Date(isoText);
  return `${date(d)} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** A day key `YYYY-MM-DD` (API, date inputs) written dd/mm/yyyy. */
export function day(key: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(key);
  return m ? `${m[3]}/${m[2]}/${m[1]}` : key;
}

/** A delay given in hours, in days and hours once it passes a day ("283 ngày 22 giờ", "5 giờ 24 phút"). */
export function delayHours(hours: number): string {
  if (hours < 24) return duration(hours * 3_600_000);
  const whole = Math.round(hours);
  return t('time.daysHours', { d: Math.floor(whole / 24), h: whole % 24 });
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
