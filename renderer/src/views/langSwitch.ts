// The Vietnamese / English switch, the same on every screen of the status UI: it changes the
// language, then `rerender` draws the screen again in it.
import { h } from '../dom.js';
import { lang, setLang, t } from '../i18n/index.js';

export function langSwitch(rerender: () => void): HTMLElement {
  const other = lang() === 'vi' ? 'en' : 'vi';
  return h(
    'button',
    {
      type: 'button',
      class: 'secondary lang',
      lang: other,
      'aria-label': t('lang.switchLabel'),
      'data-testid': 'lang-switch',
      onclick: () => {
        setLang(other);
        rerender();
      },
    },
    t('lang.switch'),
  );
}
