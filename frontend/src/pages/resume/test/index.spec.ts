import { flushPromises } from '@vue/test-utils'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import * as authApi from '@/api/auth'
import * as casesApi from '@/api/cases'
import * as metaApi from '@/api/meta'
import { apiError, makeCase, makeMeta, makeSession, mountAt } from '@/test-utils'
import ResumePage from '../index.vue'

vi.mock('@/api/meta')
vi.mock('@/api/auth')
vi.mock('@/api/cases', async (importOriginal) => ({
  ...(await importOriginal<typeof import('@/api/cases')>()),
  createCase: vi.fn(),
  cancelCurrentCase: vi.fn(),
  getCurrentCase: vi.fn(),
  getLatestCase: vi.fn(),
}))

const OPEN_CASE = makeCase({
  reference: 'ZJ202611250007',
  state: 'idcard_read',
  state_label: '待确认身份信息',
  current_step: 5,
  step_key: 'identity',
})

function withSession(current: casesApi.CaseOut | null) {
  vi.mocked(authApi.getSession).mockResolvedValue(makeSession({ case: current }))
}

beforeEach(() => {
  vi.mocked(metaApi.getMeta).mockResolvedValue(makeMeta())
})

describe('resume screen', () => {
  it('should show the open case: reference, step reached and its title', async () => {
    withSession(OPEN_CASE)
    const { wrapper } = await mountAt(ResumePage, '/resume')
    expect(wrapper.get('[data-testid="resume-heading"]').text()).toBe('您有一笔未完成的证件更新申请')
    expect(wrapper.get('[data-testid="resume-reference"]').text()).toContain('ZJ202611250007')
    expect(wrapper.get('[data-testid="resume-step"]').text()).toContain('第 5 步 · 身份信息确认')
    expect(wrapper.text()).toContain('待确认身份信息')
    expect(wrapper.get('[data-testid="resume-continue"]').text()).toBe('继续办理')
    expect(wrapper.get('[data-testid="resume-restart"]').text()).toBe('放弃并重新开始')
  })

  it('should continue at the route of the step reached', async () => {
    withSession(OPEN_CASE)
    const { wrapper, router } = await mountAt(ResumePage, '/resume')
    await wrapper.get('[data-testid="resume-continue"]').trigger('click')
    await vi.waitFor(() => expect(router.currentRoute.value.path).toBe('/identity'))
    expect(casesApi.createCase).not.toHaveBeenCalled()
  })

  it('should cancel, then start a new case with another key, and go to its first step', async () => {
    withSession(OPEN_CASE)
    vi.mocked(casesApi.cancelCurrentCase).mockResolvedValue({ ...OPEN_CASE, state: 'cancelled', state_label: '已取消' })
    vi.mocked(casesApi.createCase).mockResolvedValue(makeCase({ reference: 'ZJ202611250008' }))
    const { wrapper, router } = await mountAt(ResumePage, '/resume')
    await wrapper.get('[data-testid="resume-restart"]').trigger('click')
    await flushPromises()
    await vi.waitFor(() => expect(router.currentRoute.value.path).toBe('/face'))

    expect(casesApi.cancelCurrentCase).toHaveBeenCalledTimes(1)
    expect(casesApi.createCase).toHaveBeenCalledTimes(1)
    const cancelOrder = vi.mocked(casesApi.cancelCurrentCase).mock.invocationCallOrder[0]!
    const createOrder = vi.mocked(casesApi.createCase).mock.invocationCallOrder[0]!
    expect(cancelOrder).toBeLessThan(createOrder)
    const cancelKey = vi.mocked(casesApi.cancelCurrentCase).mock.calls[0]![0]
    const createKey = vi.mocked(casesApi.createCase).mock.calls[0]![0]
    expect(cancelKey).not.toBe(createKey)
  })

  it('should start anyway when the case was already gone', async () => {
    withSession(OPEN_CASE)
    vi.mocked(casesApi.cancelCurrentCase).mockRejectedValue(apiError(404, 'NO_ACTIVE_CASE', '没有进行中的申请'))
    vi.mocked(casesApi.createCase).mockResolvedValue(makeCase())
    const { wrapper, router } = await mountAt(ResumePage, '/resume')
    await wrapper.get('[data-testid="resume-restart"]').trigger('click')
    await vi.waitFor(() => expect(router.currentRoute.value.path).toBe('/face'))
  })

  it('should stay and keep the case when cancelling fails', async () => {
    withSession(OPEN_CASE)
    vi.mocked(casesApi.cancelCurrentCase).mockRejectedValue(apiError(0, 'NETWORK_ERROR', '网络连接异常，请检查网络后重试'))
    const { wrapper, router } = await mountAt(ResumePage, '/resume')
    await wrapper.get('[data-testid="resume-restart"]').trigger('click')
    await flushPromises()
    expect(casesApi.createCase).not.toHaveBeenCalled()
    expect(router.currentRoute.value.path).toBe('/resume')
    expect(wrapper.get('[data-testid="resume-reference"]').text()).toContain('ZJ202611250007')
  })

  it('should offer the correction of a returned case (需补充) on the status page', async () => {
    withSession(makeCase({ state: 'returned', state_label: '需补充材料', current_step: 10, step_key: 'status' }))
    vi.mocked(casesApi.getLatestCase).mockResolvedValue({
      ...makeCase({ state: 'returned', state_label: '需补充材料', current_step: 10, step_key: 'status' }),
      outcome: {
        reasons: ['签名不清晰或不规范'],
        note: '',
        redo_steps: [{ number: 8, title: '签署协议' }],
        redo_step: { number: 8, key: 'sign' },
        can_reapply: false,
      },
    })
    const { wrapper, router } = await mountAt(ResumePage, '/resume')
    expect(wrapper.get('[data-testid="resume-heading"]').text()).toBe('您的证件更新申请需补充材料')
    expect(wrapper.text()).toContain('需补充材料')
    expect(wrapper.get('[data-testid="resume-restart"]').text()).toBe('放弃并重新开始')
    const go = wrapper.get('[data-testid="resume-continue"]')
    expect(go.text()).toBe('查看并补充')
    await go.trigger('click')
    await vi.waitFor(() => expect(router.currentRoute.value.path).toBe('/status'))
  })

  it('should only follow a submitted case (it can no longer be given up)', async () => {
    withSession(makeCase({ state: 'submitted', state_label: '已提交，等待办理', current_step: 10, step_key: 'status' }))
    const { wrapper } = await mountAt(ResumePage, '/resume')
    expect(wrapper.get('[data-testid="resume-heading"]').text()).toBe('您有一笔证件更新申请正在办理中')
    expect(wrapper.get('[data-testid="resume-continue"]').text()).toBe('查看办理进度')
    expect(wrapper.find('[data-testid="resume-restart"]').exists()).toBe(false)
  })

  it('should offer to start when there is no open case', async () => {
    withSession(null)
    vi.mocked(casesApi.createCase).mockResolvedValue(makeCase())
    const { wrapper, router } = await mountAt(ResumePage, '/resume')
    expect(wrapper.find('[data-testid="resume-continue"]').exists()).toBe(false)
    expect(wrapper.get('[data-testid="resume-empty"]').text()).toBe('您当前没有进行中的证件更新申请')
    await wrapper.get('[data-testid="resume-start"]').trigger('click')
    await vi.waitFor(() => expect(router.currentRoute.value.path).toBe('/face'))
  })

  it('should show the open case instead when starting finds one', async () => {
    withSession(null)
    const existing = makeCase({ reference: 'ZJ202611250009', current_step: 4 })
    vi.mocked(casesApi.createCase).mockRejectedValue(
      apiError(409, 'CASE_ALREADY_ACTIVE', '您有一笔未完成的申请', { detail: { case: existing } }),
    )
    const { wrapper, router } = await mountAt(ResumePage, '/resume')
    await wrapper.get('[data-testid="resume-start"]').trigger('click')
    await flushPromises()
    expect(router.currentRoute.value.path).toBe('/resume')
    expect(wrapper.get('[data-testid="resume-reference"]').text()).toContain('ZJ202611250009')
  })
})
