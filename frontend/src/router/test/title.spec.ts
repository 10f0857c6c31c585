import { describe, expect, it, vi } from 'vitest'
import * as authApi from '@/api/auth'
import * as metaApi from '@/api/meta'
import { routes } from '@/router/routes'
import { documentTitle } from '@/router/title'
import { apiError, createHarness, makeMeta } from '@/test-utils'
import { t } from '@/utils/i18n'

vi.mock('@/api/meta')
vi.mock('@/api/auth')

describe('documentTitle', () => {
  it('should name the page, then the service', () => {
    expect(documentTitle({ meta: { titleKey: 'nav.records' } }, t)).toBe('我的办理记录 - 证件更新')
  })

  it('should prefer the page title over the nav bar title (step 2 is 账户验证)', () => {
    expect(documentTitle({ meta: { titleKey: 'nav.login', pageTitleKey: 'steps.verify' } }, t)).toBe(
      '账户验证 - 证件更新',
    )
  })

  it('should show the service alone for a page named like it or without a title', () => {
    expect(documentTitle({ meta: { titleKey: 'nav.update' } }, t)).toBe('证件更新')
    expect(documentTitle({ meta: {} }, t)).toBe('证件更新')
  })

  it('should give every named route a title key of its own and distinct tab titles', () => {
    const named = routes.filter((r) => r.name)
    for (const route of named) expect(route.meta?.titleKey, String(route.name)).toBeTruthy()
    const titles = named.map((r) => documentTitle({ meta: r.meta ?? {} }, t))
    expect(new Set(titles).size).toBe(titles.length)
    for (const title of titles) expect(title).not.toMatch(/^(nav|steps|pageTitles)\./) // keys resolve
  })

  it('should set document.title after each navigation', async () => {
    vi.mocked(metaApi.getMeta).mockResolvedValue(makeMeta())
    vi.mocked(authApi.getSession).mockRejectedValue(apiError(401, 'NOT_SIGNED_IN', '请先完成账户验证'))
    const { router } = createHarness()
    await router.push('/')
    expect(document.title).toBe('业务办理 - 证件更新')
    await router.push('/login')
    expect(document.title).toBe('账户验证 - 证件更新')
    // 我的办理记录 without a session: sign in first, then back there
    await router.push('/records')
    expect(router.currentRoute.value.name).toBe('login')
    expect(router.currentRoute.value.query.redirect).toBe('/records')
  })
})
