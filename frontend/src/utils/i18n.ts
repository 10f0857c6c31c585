import { Locale } from 'vant'
import vantZhCN from 'vant/es/locale/lang/zh-CN'
import { createI18n } from 'vue-i18n'
import zhCN from '@/locales/zh-CN.json'

export type MessageSchema = typeof zhCN

export const DEFAULT_LOCALE = 'zh-CN'

export const i18n = createI18n<[MessageSchema], 'zh-CN', false>({
  legacy: false,
  locale: DEFAULT_LOCALE,
  fallbackLocale: DEFAULT_LOCALE,
  messages: { 'zh-CN': zhCN },
})

// Vant's own texts (confirm buttons, loading, …) follow the same locale.
Locale.use(DEFAULT_LOCALE, vantZhCN)

/** `t` for code outside components (stores, the API client). */
export const t = i18n.global.t
