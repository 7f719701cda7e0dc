// The catalogue plus the React context the console's components read it from.
import { createContext, useContext } from 'react';
import { translator, type T, type UiLang } from './translate.js';

export * from './translate.js';

export interface I18n {
  lang: UiLang;
  t: T;
}

export const I18nContext = createContext<I18n>({ lang: 'en', t: translator('en') });

export function useI18n(): I18n {
  return useContext(I18nContext);
}
