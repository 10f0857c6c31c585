import { flushPromises } from '@vue/test-utils'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import * as authApi from '@/api/auth'
import * as metaApi from '@/api/meta'
import * as signingApi from '@/api/signing'
import { apiError, makeCase, makeMeta, makeSession, mountAt } from '@/test-utils'
import { FakeIntersectionObserver, installIntersectionObserver } from '@/test-utils/dom'
import AgreementsPage from '../index.vue'

vi.mock('@/api/meta')
vi.mock('@/api/auth')
vi.mock('@/api/signing')

const MIN_READ_SECONDS = 8

function agreement(key: string, title: string, overrides: Partial<signingApi.AgreementOut> = {}): signingApi.AgreementOut {
  return {
    key,
    title,
    version: '2026.1',
    content_hash: 'a'.repeat(64),
    paragraphs: [`${title}第一条`, `${title}第二条`],
    read: false,
    ...overrides,
  }
}

function agreements(readApp = false, readCert = false): signingApi.AgreementsOut {
  return {
    agreements: [
      agreement('change_application', '《客户账户信息变更申请书》', { read: readApp }),
      agreement('digital_certificate', '《数字证书协议》', { read: readCert }),
    ],
    all_read: readApp && readCert,
    min_read_seconds: MIN_READ_SECONDS,
  }
}

function q(id: string): HTMLElement | null {
  return document.querySelector(`[data-testid="${id}"]`)
}

function confirmButton(): HTMLButtonElement {
  return q('agreement-viewer-confirm') as HTMLButtonElement
}

function eventsSent(): Array<[string, string, number | undefined]> {
  return vi.mocked(signingApi.postAgreementEvent).mock.calls.map(([key, body]) => [key, body.event, body.elapsed_ms])
}

async function mountAgreements(step = 7) {
  vi.mocked(authApi.getSession).mockResolvedValue(
    makeSession({ case: makeCase({ state: 'update_confirmed', current_step: step, step_key: 'read' }) }),
  )
  return mountAt(AgreementsPage, '/agreements')
}

async function openAgreement(key: string): Promise<void> {
  q(`agreement-${key}`)!.click()
  await flushPromises()
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date', 'setInterval', 'clearInterval'] })
  installIntersectionObserver()
  vi.mocked(metaApi.getMeta).mockResolvedValue(makeMeta())
  vi.mocked(signingApi.getAgreements).mockResolvedValue(agreements())
  vi.mocked(signingApi.postAgreementEvent).mockResolvedValue({ recorded: true })
  vi.mocked(signingApi.markAgreementRead).mockResolvedValue({ key: 'change_application', read: true, all_read: false })
  vi.mocked(signingApi.finishAgreements).mockResolvedValue(
    makeCase({ state: 'agreements_read', current_step: 8, step_key: 'sign' }),
  )
})

afterEach(() => {
  vi.useRealTimers()
  vi.unstubAllGlobals()
})

describe('agreements step (阅读协议)', () => {
  it('should list both agreements, none read, and keep 下一步 disabled', async () => {
    const { wrapper } = await mountAgreements()
    expect(wrapper.get('[data-testid="agreement-change_application"]').text()).toContain('《客户账户信息变更申请书》')
    expect(wrapper.get('[data-testid="agreement-digital_certificate"]').text()).toContain('《数字证书协议》')
    expect(wrapper.find('[data-testid="agreement-change_application-read"]').exists()).toBe(false)
    expect(wrapper.get('[data-testid="agreements-next"]').attributes('disabled')).toBeDefined()
  })

  it('should enable 已阅读 only after the end was reached and the minimum time passed, sending the events', async () => {
    const { wrapper } = await mountAgreements()
    await openAgreement('change_application')

    expect(q('agreement-viewer')!.textContent).toContain('《客户账户信息变更申请书》第二条')
    expect(eventsSent()).toEqual([['change_application', 'opened', 0]])
    expect(vi.mocked(signingApi.postAgreementEvent).mock.calls[0]![1].version).toBe('2026.1')
    expect(confirmButton().disabled).toBe(true)
    expect(confirmButton().textContent!.trim()).toBe('请阅读至文末（8秒）')

    // Time alone is not enough.
    vi.advanceTimersByTime(MIN_READ_SECONDS * 1000)
    await flushPromises()
    expect(confirmButton().disabled).toBe(true)
    expect(confirmButton().textContent!.trim()).toBe('请阅读至文末')

    // The sentinel at the bottom comes into view.
    FakeIntersectionObserver.intersect()
    await flushPromises()
    expect(eventsSent()[1]).toEqual(['change_application', 'scrolled_to_end', MIN_READ_SECONDS * 1000])
    expect(confirmButton().disabled).toBe(false)
    expect(confirmButton().textContent!.trim()).toBe('已阅读')

    vi.advanceTimersByTime(500)
    confirmButton().click()
    await flushPromises()
    expect(signingApi.markAgreementRead).toHaveBeenCalledWith('change_application', '2026.1', expect.stringMatching(/^[0-9a-f-]{36}$/))
    expect(eventsSent()[2]).toEqual(['change_application', 'closed', MIN_READ_SECONDS * 1000 + 500])
    expect(wrapper.get('[data-testid="agreement-change_application-read"]').text()).toBe('已阅读')
    expect(wrapper.get('[data-testid="agreements-next"]').attributes('disabled')).toBeDefined()
  })

  it('should keep counting down after the end was reached early', async () => {
    await mountAgreements()
    await openAgreement('digital_certificate')
    FakeIntersectionObserver.intersect()
    await flushPromises()
    expect(confirmButton().disabled).toBe(true)
    expect(confirmButton().textContent!.trim()).toBe('已阅读（8秒）')
    vi.advanceTimersByTime(3000)
    await flushPromises()
    expect(confirmButton().textContent!.trim()).toBe('已阅读（5秒）')
    vi.advanceTimersByTime(5000)
    await flushPromises()
    expect(confirmButton().disabled).toBe(false)
  })

  it('should detect the end by the scroll position when there is no IntersectionObserver', async () => {
    vi.stubGlobal('IntersectionObserver', undefined)
    await mountAgreements()
    await openAgreement('change_application')
    const body = q('agreement-viewer-body')!
    Object.defineProperty(body, 'scrollHeight', { configurable: true, value: 2000 })
    Object.defineProperty(body, 'clientHeight', { configurable: true, value: 500 })
    body.scrollTop = 800
    body.dispatchEvent(new Event('scroll'))
    await flushPromises()
    expect(eventsSent().map((e) => e[1])).toEqual(['opened'])
    body.scrollTop = 1500
    body.dispatchEvent(new Event('scroll'))
    await flushPromises()
    expect(eventsSent().map((e) => e[1])).toEqual(['opened', 'scrolled_to_end'])
  })

  it('should wait the seconds the server counts on AGREEMENT_TOO_FAST', async () => {
    vi.mocked(signingApi.markAgreementRead).mockRejectedValueOnce(
      apiError(422, 'AGREEMENT_TOO_FAST', '请仔细阅读协议', { detail: { seconds_left: 3 } }),
    )
    await mountAgreements()
    await openAgreement('change_application')
    FakeIntersectionObserver.intersect()
    vi.advanceTimersByTime(MIN_READ_SECONDS * 1000)
    await flushPromises()
    confirmButton().click()
    await flushPromises()
    expect(q('agreement-viewer')).not.toBeNull()
    expect(confirmButton().disabled).toBe(true)
    expect(confirmButton().textContent!.trim()).toBe('已阅读（3秒）')
    vi.advanceTimersByTime(3000)
    await flushPromises()
    confirmButton().click()
    await flushPromises()
    expect(signingApi.markAgreementRead).toHaveBeenCalledTimes(2)
  })

  it('should watch for the end again on AGREEMENT_NOT_SCROLLED', async () => {
    vi.mocked(signingApi.markAgreementRead).mockRejectedValueOnce(apiError(422, 'AGREEMENT_NOT_SCROLLED', '请阅读至协议末尾'))
    await mountAgreements()
    await openAgreement('change_application')
    FakeIntersectionObserver.intersect()
    vi.advanceTimersByTime(MIN_READ_SECONDS * 1000)
    await flushPromises()
    confirmButton().click()
    await flushPromises()
    expect(confirmButton().disabled).toBe(true)
    FakeIntersectionObserver.intersect()
    await flushPromises()
    expect(eventsSent().filter((e) => e[1] === 'scrolled_to_end')).toHaveLength(2)
    expect(confirmButton().disabled).toBe(false)
  })

  it('should reload the list on AGREEMENT_VERSION_OUTDATED', async () => {
    vi.mocked(signingApi.markAgreementRead).mockRejectedValueOnce(apiError(409, 'AGREEMENT_VERSION_OUTDATED', '协议已更新，请重新阅读'))
    await mountAgreements()
    await openAgreement('change_application')
    FakeIntersectionObserver.intersect()
    vi.advanceTimersByTime(MIN_READ_SECONDS * 1000)
    await flushPromises()
    vi.mocked(signingApi.getAgreements).mockResolvedValueOnce({
      ...agreements(),
      agreements: agreements().agreements.map((a) => ({ ...a, version: '2026.2' })),
    })
    confirmButton().click()
    await flushPromises()
    expect(signingApi.getAgreements).toHaveBeenCalledTimes(2)
    expect(eventsSent().at(-1)![1]).toBe('closed')
    await openAgreement('change_application')
    expect(vi.mocked(signingApi.postAgreementEvent).mock.calls.at(-1)![1]).toMatchObject({ version: '2026.2', event: 'opened' })
  })

  it('should enable 下一步 only when all are read, and go to step 8', async () => {
    vi.mocked(signingApi.getAgreements).mockResolvedValue(agreements(true, false))
    const { wrapper, router } = await mountAgreements()
    expect(wrapper.get('[data-testid="agreements-next"]').attributes('disabled')).toBeDefined()

    vi.mocked(signingApi.markAgreementRead).mockResolvedValue({ key: 'digital_certificate', read: true, all_read: true })
    await openAgreement('digital_certificate')
    FakeIntersectionObserver.intersect()
    vi.advanceTimersByTime(MIN_READ_SECONDS * 1000)
    await flushPromises()
    confirmButton().click()
    await flushPromises()
    expect(wrapper.get('[data-testid="agreements-next"]').attributes('disabled')).toBeUndefined()

    await wrapper.get('[data-testid="agreements-next"]').trigger('click')
    await flushPromises()
    expect(signingApi.finishAgreements).toHaveBeenCalledTimes(1)
    await vi.waitFor(() => expect(router.currentRoute.value.path).toBe('/sign'))
  })

  it('should let an agreement already read be re-opened and closed', async () => {
    vi.mocked(signingApi.getAgreements).mockResolvedValue(agreements(true, true))
    const { wrapper } = await mountAgreements()
    expect(wrapper.get('[data-testid="agreements-next"]').attributes('disabled')).toBeUndefined()
    await openAgreement('change_application')
    expect(confirmButton().disabled).toBe(false)
    expect(confirmButton().textContent!.trim()).toBe('关闭')
    confirmButton().click()
    await flushPromises()
    expect(signingApi.markAgreementRead).not.toHaveBeenCalled()
    expect(eventsSent().map((e) => e[1])).toEqual(['opened', 'closed'])
  })
})
