import { flushPromises } from '@vue/test-utils'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import * as authApi from '@/api/auth'
import * as casesApi from '@/api/cases'
import * as metaApi from '@/api/meta'
import { makeCase, makeMeta, makeSession, mountAt } from '@/test-utils'
import StatusPage from '../index.vue'

vi.mock('@/api/meta')
vi.mock('@/api/auth')
vi.mock('@/api/cases', async (importOriginal) => ({
  ...(await importOriginal<typeof import('@/api/cases')>()),
  getCurrentCase: vi.fn(),
}))

const SUBMITTED = makeCase({ state: 'submitted', state_label: '已提交，等待办理', current_step: 10, step_key: 'status' })

async function mountStatus() {
  vi.mocked(authApi.getSession).mockResolvedValue(makeSession({ case: SUBMITTED }))
  return mountAt(StatusPage, '/status')
}

beforeEach(() => {
  vi.mocked(metaApi.getMeta).mockResolvedValue(makeMeta())
  vi.mocked(casesApi.getCurrentCase).mockResolvedValue({ ...SUBMITTED, submitted_at: '2026-11-25T02:06:00Z' })
})

describe('status step (提交完成 等待办理)', () => {
  it('should show the reference, the state, the submitted time and what happens next', async () => {
    const { wrapper } = await mountStatus()
    expect(casesApi.getCurrentCase).toHaveBeenCalled()
    expect(wrapper.text()).toContain('提交完成 等待办理')
    expect(wrapper.get('[data-testid="status-reference"]').text()).toContain('ZJ202611250001')
    expect(wrapper.get('[data-testid="status-state"]').text()).toContain('已提交，等待办理')
    expect(wrapper.get('[data-testid="status-submitted-at"]').text()).toContain('2026年11月25日 10:06')
    expect(wrapper.get('[data-testid="status-next"]').text()).toBe('工作人员将在1个交易日内审核，结果将以短信通知。')
  })

  it('should leave out the submitted time when the server does not send it', async () => {
    vi.mocked(casesApi.getCurrentCase).mockResolvedValue(SUBMITTED)
    const { wrapper } = await mountStatus()
    expect(wrapper.find('[data-testid="status-submitted-at"]').exists()).toBe(false)
  })

  it('should go to the service list on 返回首页', async () => {
    const { wrapper, router } = await mountStatus()
    await wrapper.get('[data-testid="status-home"]').trigger('click')
    await flushPromises()
    await vi.waitFor(() => expect(router.currentRoute.value.path).toBe('/'))
  })
})
