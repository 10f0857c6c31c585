import { flushPromises, mount } from '@vue/test-utils'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import * as authApi from '@/api/auth'
import * as faceApi from '@/api/face'
import * as idcardApi from '@/api/idcard'
import * as metaApi from '@/api/meta'
import * as signingApi from '@/api/signing'
import App from '@/App.vue'
import { apiError, createHarness, makeCase, makeMeta, makeSession } from '@/test-utils'
import { i18n } from '@/utils/i18n'

vi.mock('@/api/meta')
vi.mock('@/api/auth')
vi.mock('@/api/face')
vi.mock('@/api/idcard')
vi.mock('@/api/signing')

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
    expect(document.title).toBe('业务办理 - 证件更新')
  })

  it('should show 返回 and 证件更新 on the login page', async () => {
    const { wrapper } = await mountAppAt('/login')
    expect(wrapper.get('.van-nav-bar__left').text()).toBe('返回')
    expect(wrapper.get('.van-nav-bar__title').text()).toBe('证件更新')
    expect(wrapper.find('[data-testid="progress"]').exists()).toBe(false)
    // the guide's step 2 is 账户验证: the page says so, and so does the browser tab
    expect(wrapper.get('[data-testid="login-heading"]').text()).toBe('账户验证')
    expect(document.title).toBe('账户验证 - 证件更新')
  })

  it.each([
    ['/agreements', 7, '第 7/10 步 · 阅读协议', '阅读协议'],
    ['/sign', 8, '第 8/10 步 · 签署协议', '协议签署'],
    ['/signed', 9, '第 9/10 步 · 签署完成', '签署完成'],
    ['/status', 10, '第 10/10 步 · 提交完成', '提交完成'],
  ])('should show the progress of %s (step %i)', async (path, step, progress, title) => {
    vi.mocked(authApi.getSession).mockResolvedValue(makeSession({ case: makeCase({ current_step: step }) }))
    vi.mocked(signingApi.getAgreements).mockResolvedValue({ agreements: [], all_read: false, min_read_seconds: 8 })
    vi.mocked(signingApi.getDocuments).mockResolvedValue({ documents: [], case_state: 'signed' })
    const { wrapper } = await mountAppAt(path)
    expect(wrapper.get('[data-testid="progress"]').text()).toBe(progress)
    expect(wrapper.get('.van-nav-bar__title').text()).toBe(title)
  })

  it('should put 操作指南 on the right of the nav bar on step 8 and open the signing guide', async () => {
    vi.mocked(authApi.getSession).mockResolvedValue(makeSession({ case: makeCase({ current_step: 8 }) }))
    vi.mocked(signingApi.getAgreements).mockResolvedValue({ agreements: [], all_read: true, min_read_seconds: 8 })
    const { wrapper } = await mountAppAt('/sign')
    await wrapper.get('.van-nav-bar__right [data-testid="nav-guide"]').trigger('click')
    await vi.waitFor(() => expect(document.querySelector('[data-testid="guide-sign"]')).not.toBeNull())
    expect(document.querySelector('[data-testid="guide-popup"]')!.textContent).toContain('协议签署操作指南')
  })

  it.each([
    ['/idcard', 4, '第 4/10 步 · 上传身份证', '身份证OCR识别'],
    ['/identity', 5, '第 5/10 步 · 身份信息确认', '身份信息确认'],
    ['/update', 6, '第 6/10 步 · 证件更新信息确认', '证件更新'],
  ])('should show the progress of %s (step %i)', async (path, step, progress, title) => {
    vi.mocked(authApi.getSession).mockResolvedValue(makeSession({ case: makeCase({ current_step: step }) }))
    vi.mocked(idcardApi.getIdCard).mockResolvedValue({ front: null, back: null, ready: false })
    const { wrapper } = await mountAppAt(path)
    expect(wrapper.get('[data-testid="progress"]').text()).toBe(progress)
    expect(wrapper.get('[data-testid="progress"]').attributes('aria-valuenow')).toBe(String(step))
    expect(wrapper.get('.van-nav-bar__title').text()).toBe(title)
  })

  it('should put 操作指南 on the right of the nav bar on step 4 and open the photo guide', async () => {
    vi.mocked(authApi.getSession).mockResolvedValue(makeSession({ case: makeCase({ current_step: 4 }) }))
    vi.mocked(idcardApi.getIdCard).mockResolvedValue({ front: null, back: null, ready: false })
    const { wrapper } = await mountAppAt('/idcard')
    const right = wrapper.get('.van-nav-bar__right')
    expect(right.get('[data-testid="nav-guide"]').text()).toBe('操作指南')
    // The 适老化 switch stays in the nav bar beside it (not on the progress row), and works.
    expect(wrapper.find('.app-shell__progress [data-testid="elder-toggle"]').exists()).toBe(false)
    const buttons = right.findAll('button').map((b) => b.attributes('data-testid'))
    expect(buttons).toEqual(['nav-guide', 'elder-toggle'])
    expect(right.get('[data-testid="elder-toggle"]').text()).toBe('大字') // short beside the guide
    await right.get('[data-testid="elder-toggle"]').trigger('click')
    expect(document.documentElement.classList.contains('elder-mode')).toBe(true)
    await right.get('[data-testid="elder-toggle"]').trigger('click')

    await right.get('[data-testid="nav-guide"]').trigger('click')
    await vi.waitFor(() => expect(document.querySelector('[data-testid="guide-idcard"]')).not.toBeNull())
    const guide = document.querySelector('[data-testid="guide-popup"]')!
    expect(guide.textContent).toContain('身份证拍摄指南')
    expect(guide.textContent).toContain('深色、纯色的桌面')
    expect(guide.textContent).toContain('四个角都要完整拍入')
    expect(guide.textContent).toContain('请勿打开闪光灯')
    expect(guide.textContent).toContain('不接受复印件、截图或翻拍屏幕')
    for (const kind of ['edgeCut', 'glare', 'blur', 'dark', 'tilted', 'small', 'multiple', 'copy', 'screen']) {
      expect(guide.querySelector(`[data-testid="guide-bad-${kind}"] svg`)).not.toBeNull()
    }
    // Drawings only: no photo of a real card.
    expect(guide.querySelector('img')).toBeNull()
  })

  it('should open the filling guide from 操作指南 on step 6', async () => {
    vi.mocked(authApi.getSession).mockResolvedValue(makeSession({ case: makeCase({ current_step: 6 }) }))
    vi.mocked(idcardApi.getUpdate).mockRejectedValue(apiError(503, 'HTTP_ERROR', '服务暂时不可用，请稍后重试'))
    const { wrapper } = await mountAppAt('/update')
    await wrapper.get('.van-nav-bar__right [data-testid="nav-guide"]').trigger('click')
    await vi.waitFor(() => expect(document.querySelector('[data-testid="guide-update"]')).not.toBeNull())
    expect(document.querySelector('[data-testid="guide-update"]')!.textContent).toContain('长期有效')
  })

  it.each([
    ['/face', 3, '人脸识别 - 证件更新'],
    ['/idcard', 4, '上传身份证 - 证件更新'],
    ['/identity', 5, '身份信息确认 - 证件更新'],
    ['/update', 6, '证件更新信息确认 - 证件更新'],
    ['/agreements', 7, '阅读协议 - 证件更新'],
    ['/sign', 8, '签署协议 - 证件更新'],
    ['/signed', 9, '签署完成 - 证件更新'],
    ['/status', 10, '提交完成 - 证件更新'],
  ])('should title the browser tab of %s after its step', async (path, step, title) => {
    vi.mocked(authApi.getSession).mockResolvedValue(makeSession({ case: makeCase({ current_step: step }) }))
    await mountAppAt(path)
    expect(document.title).toBe(title)
  })

  it('should keep the 适老化 switch in the nav bar on step 5 (no guide)', async () => {
    vi.mocked(authApi.getSession).mockResolvedValue(makeSession({ case: makeCase({ current_step: 5 }) }))
    const { wrapper } = await mountAppAt('/identity')
    expect(wrapper.find('.van-nav-bar__right [data-testid="elder-toggle"]').exists()).toBe(true)
    expect(wrapper.find('[data-testid="nav-guide"]').exists()).toBe(false)
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
