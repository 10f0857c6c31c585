import { flushPromises } from '@vue/test-utils'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import * as authApi from '@/api/auth'
import * as casesApi from '@/api/cases'
import * as metaApi from '@/api/meta'
import { useSigningStore } from '@/stores/signing'
import { apiError, makeCase, makeMeta, makeSession, mountAt, toastText } from '@/test-utils'
import StatusPage from '../index.vue'

vi.mock('@/api/meta')
vi.mock('@/api/auth')
vi.mock('@/api/cases', async (importOriginal) => ({
  ...(await importOriginal<typeof import('@/api/cases')>()),
  getCurrentCase: vi.fn(),
  getLatestCase: vi.fn(),
  redoCase: vi.fn(),
}))

const SUBMITTED = makeCase({ state: 'submitted', state_label: '已提交，等待办理', current_step: 10, step_key: 'status' })

function latest(overrides: Partial<casesApi.CaseStatusOut> = {}): casesApi.CaseStatusOut {
  return { ...SUBMITTED, submitted_at: '2026-11-25T02:06:00Z', outcome: null, ...overrides }
}

function outcome(overrides: Partial<casesApi.CaseOutcome> = {}): casesApi.CaseOutcome {
  return {
    reasons: [],
    note: '',
    redo_steps: [],
    redo_step: null,
    decided_at: '2026-11-25T06:30:00Z',
    can_reapply: false,
    ...overrides,
  }
}

const APPROVED = latest({ state: 'approved', state_label: '已通过', outcome: outcome({ note: '资料齐全' }) })
const RETURNED = latest({
  state: 'returned',
  state_label: '需补充材料',
  outcome: outcome({
    reasons: ['身份证照片不清晰或不完整'],
    note: '请在光线充足处重新拍摄',
    redo_steps: [
      { number: 4, title: '上传身份证' },
      { number: 8, title: '签署协议' },
    ],
    redo_step: { number: 4, key: 'idcard' },
  }),
})
const REJECTED = latest({
  state: 'rejected',
  state_label: '未通过',
  outcome: outcome({ reasons: ['证件信息与留档不一致', '其他原因'], note: '姓名与留档不符', can_reapply: true }),
})

async function mountStatus(session: casesApi.CaseOut | null = SUBMITTED) {
  vi.mocked(authApi.getSession).mockResolvedValue(makeSession({ case: session }))
  return mountAt(StatusPage, '/status')
}

beforeEach(() => {
  vi.mocked(metaApi.getMeta).mockResolvedValue(makeMeta())
  vi.mocked(casesApi.getLatestCase).mockResolvedValue(latest())
})

afterEach(() => {
  vi.useRealTimers()
})

describe('status step (提交完成 等待办理)', () => {
  it('should show the reference, the state, the submitted time and what happens next', async () => {
    const { wrapper } = await mountStatus()
    expect(casesApi.getLatestCase).toHaveBeenCalledWith({ silent: true })
    expect(wrapper.get('[data-testid="status-title"]').text()).toBe('提交完成 等待办理')
    expect(wrapper.get('[data-testid="status-reference"]').text()).toContain('ZJ202611250001')
    expect(wrapper.get('[data-testid="status-state"]').text()).toContain('已提交，等待办理')
    expect(wrapper.get('[data-testid="status-submitted-at"]').text()).toContain('2026年11月25日 10:06')
    expect(wrapper.get('[data-testid="status-next"]').text()).toBe('工作人员将在1个交易日内审核，结果将以短信通知。')
    expect(wrapper.get('[data-testid="status-refresh"]').text()).toBe('刷新进度')
    expect(wrapper.find('[data-testid="status-redo"]').exists()).toBe(false)
  })

  it('should leave out the submitted time when the server does not send it', async () => {
    vi.mocked(casesApi.getLatestCase).mockResolvedValue(latest({ submitted_at: null }))
    const { wrapper } = await mountStatus()
    expect(wrapper.find('[data-testid="status-submitted-at"]').exists()).toBe(false)
  })

  it('should go to the service list on 返回首页', async () => {
    const { wrapper, router } = await mountStatus()
    await wrapper.get('[data-testid="status-home"]').trigger('click')
    await flushPromises()
    await vi.waitFor(() => expect(router.currentRoute.value.path).toBe('/'))
  })

  it('should show the decision on 刷新进度', async () => {
    const { wrapper } = await mountStatus()
    vi.mocked(casesApi.getLatestCase).mockResolvedValue(APPROVED)
    await wrapper.get('[data-testid="status-refresh"]').trigger('click')
    await flushPromises()
    expect(wrapper.get('[data-testid="status-title"]').text()).toBe('已通过')
    expect(wrapper.find('[data-testid="status-refresh"]').exists()).toBe(false)
  })

  it('should say so when 刷新进度 finds nothing new', async () => {
    const { wrapper } = await mountStatus()
    await wrapper.get('[data-testid="status-refresh"]').trigger('click')
    await flushPromises()
    expect(toastText()).toContain('已是最新进度')
  })

  it('should toast a failed 刷新进度 and keep the case on screen', async () => {
    const { wrapper } = await mountStatus()
    vi.mocked(casesApi.getLatestCase).mockRejectedValue(apiError(0, 'NETWORK_ERROR', '网络连接异常，请检查网络后重试'))
    await wrapper.get('[data-testid="status-refresh"]').trigger('click')
    await flushPromises()
    expect(toastText()).toContain('网络连接异常')
    expect(wrapper.get('[data-testid="status-title"]').text()).toBe('提交完成 等待办理')
  })

  it('should ask again every 30 seconds while the case waits, and stop once decided', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] })
    const { wrapper } = await mountStatus()
    expect(casesApi.getLatestCase).toHaveBeenCalledTimes(1)
    vi.mocked(casesApi.getLatestCase).mockResolvedValue(RETURNED)
    vi.advanceTimersByTime(30_000)
    await flushPromises()
    expect(casesApi.getLatestCase).toHaveBeenCalledTimes(2)
    expect(wrapper.get('[data-testid="status-title"]').text()).toBe('需补充')
    vi.advanceTimersByTime(120_000)
    await flushPromises()
    expect(casesApi.getLatestCase).toHaveBeenCalledTimes(2)
  })

  it('should stop asking when the page is left', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] })
    const { wrapper } = await mountStatus()
    wrapper.unmount()
    vi.advanceTimersByTime(90_000)
    await flushPromises()
    expect(casesApi.getLatestCase).toHaveBeenCalledTimes(1)
  })
})

describe('status after the decision', () => {
  it('should show 已通过 with 证件信息已更新 when the case is no longer open', async () => {
    vi.mocked(casesApi.getLatestCase).mockResolvedValue(APPROVED)
    const { wrapper, router } = await mountStatus(null)
    expect(router.currentRoute.value.path).toBe('/status')
    expect(wrapper.get('[data-testid="status-title"]').text()).toBe('已通过')
    expect(wrapper.get('[data-testid="status-lead"]').text()).toContain('证件信息已更新')
    expect(wrapper.get('[data-testid="status-decided-at"]').text()).toContain('2026年11月25日 14:30')
    expect(wrapper.find('[data-testid="status-reasons"]').exists()).toBe(false)
    expect(wrapper.find('[data-testid="status-next"]').exists()).toBe(false)
  })

  it('should say that trading is restored when the renewal lifted the last restriction', async () => {
    vi.mocked(casesApi.getLatestCase).mockResolvedValue({
      ...APPROVED,
      trading_restored: true,
      trading_message: '证件过期限制已解除，您的账户交易权限已恢复',
    })
    const { wrapper } = await mountStatus(null)
    const block = wrapper.get('[data-testid="status-trading"]')
    expect(block.text()).toContain('交易权限')
    expect(block.attributes('data-restored')).toBe('true')
    expect(wrapper.get('[data-testid="status-trading-message"]').text()).toContain('交易权限已恢复')
  })

  it('should show the server\'s line when the account stays restricted, and nothing when it never was', async () => {
    vi.mocked(casesApi.getLatestCase).mockResolvedValue({
      ...APPROVED,
      trading_restored: false,
      trading_message: '证件过期限制已解除；账户另有交易限制，详情请联系客服或至营业部了解',
    })
    const { wrapper } = await mountStatus(null)
    expect(wrapper.get('[data-testid="status-trading"]').attributes('data-restored')).toBe('false')
    expect(wrapper.get('[data-testid="status-trading-message"]').text()).toContain('另有交易限制')

    vi.mocked(casesApi.getLatestCase).mockResolvedValue({ ...APPROVED, trading_restored: false, trading_message: null })
    const plain = await mountStatus(null)
    expect(plain.wrapper.find('[data-testid="status-trading"]').exists()).toBe(false)
  })

  it('should show 需补充 with the reasons, the note and the steps to redo', async () => {
    vi.mocked(casesApi.getLatestCase).mockResolvedValue(RETURNED)
    const { wrapper } = await mountStatus({ ...SUBMITTED, state: 'returned', state_label: '需补充材料' })
    expect(wrapper.get('[data-testid="status-title"]').text()).toBe('需补充')
    expect(wrapper.get('[data-testid="status-reasons"]').text()).toContain('身份证照片不清晰或不完整')
    expect(wrapper.get('[data-testid="status-note"]').text()).toContain('请在光线充足处重新拍摄')
    expect(wrapper.get('[data-testid="status-redo-step-4"]').text()).toBe('第 4 步 · 上传身份证')
    expect(wrapper.get('[data-testid="status-redo-step-8"]').text()).toBe('第 8 步 · 签署协议')
    expect(wrapper.get('[data-testid="status-redo"]').text()).toBe('去补充')
  })

  it('should go to the first step to redo on 去补充, with an idempotency key', async () => {
    vi.mocked(casesApi.getLatestCase).mockResolvedValue(RETURNED)
    vi.mocked(casesApi.redoCase).mockResolvedValue(
      makeCase({ state: 'face_passed', state_label: '待上传身份证', current_step: 4, step_key: 'idcard' }),
    )
    const { wrapper, router } = await mountStatus({ ...SUBMITTED, state: 'returned', state_label: '需补充材料' })
    const signing = useSigningStore()
    signing.signed = { documents: [], case_state: 'signed' }
    await wrapper.get('[data-testid="status-redo"]').trigger('click')
    await flushPromises()
    await vi.waitFor(() => expect(router.currentRoute.value.path).toBe('/idcard'))
    expect(casesApi.redoCase).toHaveBeenCalledTimes(1)
    expect(vi.mocked(casesApi.redoCase).mock.calls[0]![0]).toMatch(/^[0-9a-f-]{36}$/)
    expect(signing.signed).toBeNull()
  })

  it('should open the case where it is when it was redone elsewhere', async () => {
    vi.mocked(casesApi.getLatestCase).mockResolvedValue(RETURNED)
    vi.mocked(casesApi.redoCase).mockRejectedValue(apiError(409, 'CASE_NOT_RETURNED', '该申请当前无需补充材料'))
    const { wrapper, router } = await mountStatus({ ...SUBMITTED, state: 'returned', state_label: '需补充材料' })
    vi.mocked(casesApi.getLatestCase).mockResolvedValue(
      latest({ state: 'agreements_read', state_label: '待签署协议', current_step: 8, step_key: 'sign' }),
    )
    await wrapper.get('[data-testid="status-redo"]').trigger('click')
    await flushPromises()
    await vi.waitFor(() => expect(router.currentRoute.value.path).toBe('/sign'))
  })

  it('should show 未通过 with the reasons and 可重新发起申请', async () => {
    vi.mocked(casesApi.getLatestCase).mockResolvedValue(REJECTED)
    const { wrapper, router } = await mountStatus(null)
    expect(wrapper.get('[data-testid="status-title"]').text()).toBe('未通过')
    const reasons = wrapper.findAll('[data-testid="status-reason"]').map((w) => w.text())
    expect(reasons).toEqual(['证件信息与留档不一致', '其他原因'])
    expect(wrapper.get('[data-testid="status-note"]').text()).toContain('姓名与留档不符')
    expect(wrapper.get('[data-testid="status-rejected-next"]').text()).toContain('重新发起证件更新申请')
    expect(wrapper.find('[data-testid="status-redo"]').exists()).toBe(false)
    const home = wrapper.get('[data-testid="status-home"]')
    expect(home.text()).toBe('返回业务列表，重新申请')
    await home.trigger('click')
    await vi.waitFor(() => expect(router.currentRoute.value.path).toBe('/'))
  })

  it('should send the customer to a branch when the case cannot be made again online', async () => {
    vi.mocked(casesApi.getLatestCase).mockResolvedValue(
      latest({ ...REJECTED, outcome: outcome({ reasons: ['账户状态异常，请至营业部办理'], can_reapply: false }) }),
    )
    const { wrapper } = await mountStatus(null)
    expect(wrapper.get('[data-testid="status-rejected-next"]').text()).toContain('营业部办理')
    expect(wrapper.find('[data-testid="status-note"]').exists()).toBe(false)
    expect(wrapper.get('[data-testid="status-home"]').text()).toBe('返回首页')
  })
})

describe('status without a case on screen', () => {
  it('should offer to try again when the first load fails', async () => {
    vi.mocked(casesApi.getLatestCase).mockRejectedValueOnce(apiError(0, 'NETWORK_ERROR', '网络连接异常，请检查网络后重试'))
    const { wrapper } = await mountStatus(null)
    expect(wrapper.get('[data-testid="status-load-failed"]').text()).toContain('办理进度查询失败')
    expect(toastText()).toContain('网络连接异常')
    vi.mocked(casesApi.getLatestCase).mockResolvedValue(APPROVED)
    await wrapper.get('[data-testid="status-reload"]').trigger('click')
    await flushPromises()
    expect(wrapper.get('[data-testid="status-title"]').text()).toBe('已通过')
  })

  it('should go to the resume screen when the customer has no case at all', async () => {
    vi.mocked(casesApi.getLatestCase).mockRejectedValue(apiError(404, 'NO_CASE', '您还没有证件更新申请'))
    const { router } = await mountStatus(null)
    await vi.waitFor(() => expect(router.currentRoute.value.path).toBe('/resume'))
  })
})

describe('status → 我的办理记录', () => {
  it('should open the records (decision and signed agreements) from the status page', async () => {
    vi.mocked(casesApi.getLatestCase).mockResolvedValue(APPROVED)
    const { wrapper, router } = await mountStatus(null)
    const button = wrapper.get('[data-testid="status-records"]')
    expect(button.text()).toBe('查看办理记录与已签署协议')
    await button.trigger('click')
    await vi.waitFor(() => expect(router.currentRoute.value.path).toBe('/records'))
  })
})
