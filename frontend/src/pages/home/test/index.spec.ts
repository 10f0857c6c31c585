import { beforeEach, describe, expect, it, vi } from 'vitest'
import * as metaApi from '@/api/meta'
import { makeMeta, mountAt } from '@/test-utils'
import HomePage from '../index.vue'

vi.mock('@/api/meta')
vi.mock('@/api/auth')

beforeEach(() => {
  vi.mocked(metaApi.getMeta).mockResolvedValue(makeMeta())
})

describe('service list (step 1)', () => {
  it('should offer 证件更新 and lead to /login', async () => {
    const { wrapper, router } = await mountAt(HomePage, '/')
    const zjgx = wrapper.get('[data-testid="service-zjgx"]')
    expect(zjgx.text()).toContain('证件更新')
    expect(zjgx.text()).not.toContain('敬请期待')
    await zjgx.trigger('click')
    await vi.waitFor(() => expect(router.currentRoute.value.path).toBe('/login'))
  })

  it.each([
    ['mmcz', '密码重置'],
    ['sjhbg', '手机号变更'],
    ['fxcp', '风险测评'],
    ['sdxxx', '适当性信息更新'],
    ['yqqy', '银期签约'],
  ])('should show %s (%s) disabled with 敬请期待', async (id, title) => {
    const { wrapper, router } = await mountAt(HomePage, '/')
    const item = wrapper.get(`[data-testid="service-${id}"]`)
    expect(item.text()).toContain(title)
    expect(item.text()).toContain('敬请期待')
    expect(item.attributes('aria-disabled')).toBe('true')
    await item.trigger('click')
    expect(router.currentRoute.value.path).toBe('/')
  })
})

describe('我的办理记录 in the service list', () => {
  it('should lead a visitor to sign in first, then back to the records', async () => {
    const authApi = await import('@/api/auth')
    const { apiError } = await import('@/test-utils')
    vi.mocked(authApi.getSession).mockRejectedValue(apiError(401, 'NOT_SIGNED_IN', '请先完成账户验证'))
    const { wrapper, router } = await mountAt(HomePage, '/')
    const records = wrapper.get('[data-testid="service-records"]')
    expect(records.text()).toContain('我的办理记录')
    expect(records.text()).not.toContain('敬请期待')
    await records.trigger('click')
    await vi.waitFor(() => expect(router.currentRoute.value.fullPath).toBe('/login?redirect=/records'))
  })
})
