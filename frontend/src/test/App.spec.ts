import { flushPromises, mount } from '@vue/test-utils'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import * as authApi from '@/api/auth'
import * as faceApi from '@/api/face'
import * as metaApi from '@/api/meta'
import App from '@/App.vue'
import { apiError, createHarness, makeCase, makeMeta, makeSession } from '@/test-utils'
import { i18n } from '@/utils/i18n'

vi.mock('@/api/meta')
vi.mock('@/api/auth')
vi.mock('@/api/face')

async function mountAppAt(path: string) {
  const harness = createHarness()
  await harness.router.push(path)
  await harness.router.isReady()
  const wrapper = mount(App, { attachTo: document.body, global: { plugins: [harness.pinia, harness.router, i18n] } })
  await flushPromises()
  return { wrapper, ...harness }
}

beforeEach(() => {
  vi.mocked(metaApi.getMeta).mockResolvedValue(makeMeta())
  vi.mocked(authApi.getSession).mockRejectedValue(apiError(401, 'NOT_SIGNED_IN', '请先完成账户验证'))
})

describe('App shell', () => {
  it('should title the service list 业务办理 without a back button or progress', async () => {
    const { wrapper } = await mountAppAt('/')
    expect(wrapper.get('.van-nav-bar__title').text()).toBe('业务办理')
    expect(wrapper.find('.van-nav-bar__left .van-nav-bar__text').exists()).toBe(false)
    expect(wrapper.find('[data-testid="progress"]').exists()).toBe(false)
    expect(document.title).toBe('业务办理')
  })

  it('should show 返回 and 证件更新 on the login page', async () => {
    const { wrapper } = await mountAppAt('/login')
    expect(wrapper.get('.van-nav-bar__left').text()).toBe('返回')
    expect(wrapper.get('.van-nav-bar__title').text()).toBe('证件更新')
    expect(wrapper.find('[data-testid="progress"]').exists()).toBe(false)
  })

  it('should show the progress and the temporary page on a step not built yet', async () => {
    vi.mocked(authApi.getSession).mockResolvedValue(makeSession({ case: makeCase({ current_step: 4, step_key: 'idcard' }) }))
    const { wrapper } = await mountAppAt('/idcard')
    await vi.waitFor(() => expect(wrapper.find('[data-testid="step-pending"]').exists()).toBe(true))
    expect(wrapper.get('[data-testid="progress"]').text()).toBe('第 4/10 步 · 上传身份证')
    expect(wrapper.get('[data-testid="step-pending"]').text()).toContain('即将上线')
    expect(wrapper.get('.van-nav-bar__title').text()).toBe('身份证OCR识别')
  })

  it('should show the progress and the face notice on step 3', async () => {
    vi.mocked(authApi.getSession).mockResolvedValue(makeSession({ case: makeCase({ current_step: 3 }) }))
    vi.mocked(faceApi.getFaceNotice).mockResolvedValue({
      version: '2026-11-v1',
      title: '人脸识别信息处理告知书',
      paragraphs: ['一、收集的信息'],
      branch_route: '您可以携带本人有效身份证件到任一营业部临柜办理证件更新。',
    })
    const { wrapper } = await mountAppAt('/face')
    await vi.waitFor(() => expect(wrapper.find('[data-testid="face-notice"]').exists()).toBe(true))
    expect(wrapper.get('[data-testid="progress"]').text()).toBe('第 3/10 步 · 人脸识别')
    expect(wrapper.get('.van-nav-bar__title').text()).toBe('人脸识别')
  })

  it.each(['/', '/login'])('should offer the 适老化 switch on %s', async (path) => {
    const { wrapper } = await mountAppAt(path)
    expect(wrapper.find('[data-testid="elder-toggle"]').exists()).toBe(true)
  })

  it('should show the demo banner only when business hours are ignored', async () => {
    const { wrapper } = await mountAppAt('/')
    expect(wrapper.find('[data-testid="demo-banner"]').exists()).toBe(false)

    vi.mocked(metaApi.getMeta).mockResolvedValue(makeMeta({ ignore_business_hours: true, demo: true }))
    const demo = await mountAppAt('/')
    expect(demo.wrapper.get('[data-testid="demo-banner"]').text()).toBe('演示环境：已忽略业务办理时间限制')
  })

  it('should go back to the service list from a deep link to /login', async () => {
    const { wrapper, router } = await mountAppAt('/login')
    await wrapper.get('.van-nav-bar__left').trigger('click')
    await vi.waitFor(() => expect(router.currentRoute.value.path).toBe('/'))
  })
})
