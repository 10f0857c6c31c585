import type { RouteLocationNormalized } from 'vue-router'

type Translate = (key: string) => string

/**
 * The browser tab's title for a route: the page's own name, then the service, e.g.
 * `账户验证 - 证件更新`. The page's name is `meta.pageTitleKey` (step pages use the step's
 * name from the broker's guide: the nav bar of step 2 says 证件更新, the step is 账户验证),
 * else the nav bar title `meta.titleKey`; a page named like the service shows the service only.
 */
export function documentTitle(route: Pick<RouteLocationNormalized, 'meta'>, t: Translate): string {
  const app = t('app.name')
  const key = route.meta.pageTitleKey ?? route.meta.titleKey
  const page = key ? t(key) : ''
  return page && page !== app ? `${page} - ${app}` : app
}
