import { flushPromises, type VueWrapper } from '@vue/test-utils'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import * as authApi from '@/api/auth'
import * as casesApi from '@/api/cases'
import * as metaApi from '@/api/meta'
import * as signingApi from '@/api/signing'
import * as tasksApi from '@/api/tasks'
import { apiError, makeCase, makeMeta, makeSession, mountAt, toastText } from '@/test-utils'
import { drawOn, installCanvas } from '@/test-utils/dom'
import SignPage from '../index.vue'

vi.mock('@/api/meta')
vi.mock('@/api/auth')
vi.mock('@/api/signing')
vi.mock('@/api/cases', async (importOriginal) => ({
  ...(await importOriginal<typeof import('@/api/cases')>()),
  getCurrentCase: vi.fn(),
}))
vi.mock('@/api/tasks', async (importOriginal) => ({
  ...(await importOriginal<typeof import('@/api/tasks')>()),
  getTask: vi.fn(),
}))

const SIGNED: signingApi.SignedOut = {
  documents: [
    {
      key: 'change_application',
      title: '《客户账户信息变更申请书》',
      sha256: '0123456789abcdef'.repeat(4),
      signed_at: '2026-11-25T10:00:00+08:00',
      download_url: '/api/cases/current/documents/change_application.pdf',
    },
  ],
  case_state: 'signed',
}

const AGREEMENTS: signingApi.AgreementsOut = {
  agreements: [
    { key: 'change_application', title: '《客户账户信息变更申请书》', version: '1', content_hash: 'h', paragraphs: ['甲方：张*'], read: true },
    { key: 'digital_certificate', title: '《数字证书协议》', version: '1', content_hash: 'h', paragraphs: ['数字证书'], read: true },
  ],
  all_read: true,
  min_read_seconds: 8,
}

function byTestId(wrapper: VueWrapper, id: string) {
  return wrapper.get(`[data-testid="${id}"]`)
}

async function mountSign() {
  vi.mocked(authApi.getSession).mockResolvedValue(
    makeSession({ case: makeCase({ state: 'agreements_read', current_step: 8, step_key: 'sign' }) }),
  )
  return mountAt(SignPage, '/sign')
}

function sign(wrapper: VueWrapper): void {
  drawOn(byTestId(wrapper, 'sign-pad-canvas').element, [
    [20, 30],
    [80, 90],
    [160, 60],
  ])
}

beforeEach(() => {
  installCanvas({ width: 343, height: 200 })
  vi.mocked(metaApi.getMeta).mockResolvedValue(makeMeta())
  vi.mocked(signingApi.getAgreements).mockResolvedValue(AGREEMENTS)
  vi.mocked(signingApi.postAgreementEvent).mockResolvedValue({ recorded: true })
  vi.mocked(signingApi.submitSignature).mockResolvedValue({ task_id: 'task-sign-1', status: 'pending' })
  vi.mocked(casesApi.getCurrentCase).mockResolvedValue(makeCase({ state: 'signed', current_step: 9, step_key: 'signed' }))
})

afterEach(() => {
  vi.unstubAllGlobals()
})

describe('sign step (协议签署)', () => {
  it('should list both agreements, the heading and the hint', async () => {
    const { wrapper } = await mountSign()
    expect(byTestId(wrapper, 'sign-agreement-change_application').text()).toContain('《客户账户信息变更申请书》')
    expect(byTestId(wrapper, 'sign-agreement-digital_certificate').text()).toContain('《数字证书协议》')
    expect(wrapper.text()).toContain('请在下面签字')
    expect(wrapper.text()).toContain('请在空白处留下您的签名(与印鉴留样保持一致)')
    expect(byTestId(wrapper, 'sign-clear').text()).toBe('重新签字')
    expect(byTestId(wrapper, 'sign-submit').text()).toBe('确认提交')
  })

  it('should re-open an agreement read-only', async () => {
    const { wrapper } = await mountSign()
    await byTestId(wrapper, 'sign-agreement-digital_certificate').trigger('click')
    await flushPromises()
    const viewer = document.querySelector('[data-testid="agreement-viewer"]')!
    expect(viewer.textContent).toContain('数字证书')
    const button = document.querySelector<HTMLButtonElement>('[data-testid="agreement-viewer-confirm"]')!
    expect(button.disabled).toBe(false)
    expect(button.textContent!.trim()).toBe('关闭')
  })

  it('should refuse an empty pad without calling the server', async () => {
    const { wrapper } = await mountSign()
    await byTestId(wrapper, 'sign-submit').trigger('click')
    await flushPromises()
    expect(signingApi.submitSignature).not.toHaveBeenCalled()
    expect(toastText()).toContain('请先在空白处签名')
  })

  it('should clear the pad on 重新签字', async () => {
    const { wrapper } = await mountSign()
    sign(wrapper)
    await flushPromises()
    expect(wrapper.find('.signature-pad__placeholder').exists()).toBe(false)
    await byTestId(wrapper, 'sign-clear').trigger('click')
    await byTestId(wrapper, 'sign-submit').trigger('click')
    await flushPromises()
    expect(signingApi.submitSignature).not.toHaveBeenCalled()
    expect(wrapper.find('.signature-pad__placeholder').exists()).toBe(true)
  })

  it('should send the strokes (no picture), show progress while the task runs, then go to step 9', async () => {
    let finish: (() => void) | undefined
    const done = new Promise<void>((resolve) => {
      finish = resolve
    })
    vi.mocked(tasksApi.getTask).mockImplementation(async () => {
      await done
      return { task_id: 'task-sign-1', status: 'succeeded', result: SIGNED, error: null }
    })
    const { wrapper, router } = await mountSign()
    sign(wrapper)
    await byTestId(wrapper, 'sign-submit').trigger('click')
    await flushPromises()

    expect(signingApi.submitSignature).toHaveBeenCalledTimes(1)
    const [body, key] = vi.mocked(signingApi.submitSignature).mock.calls[0]!
    expect(key).toMatch(/^[0-9a-f-]{36}$/)
    expect(body).not.toHaveProperty('png')
    expect(body.width).toBe(343)
    expect(body.height).toBe(200)
    expect(body.strokes).toHaveLength(1)
    expect(body.strokes[0]!.map((p) => [p.x, p.y])).toEqual([
      [20, 30],
      [80, 90],
      [160, 60],
    ])
    expect(body.strokes[0]!.every((p) => typeof p.t === 'number')).toBe(true)
    expect(tasksApi.getTask).toHaveBeenCalledWith('task-sign-1', expect.anything())
    expect(document.querySelector('[data-testid="sign-progress"]')).not.toBeNull()
    expect(router.currentRoute.value.path).toBe('/sign')

    finish!()
    await flushPromises()
    await vi.waitFor(() => expect(router.currentRoute.value.path).toBe('/signed'))
  })

  it('should keep the pad when the server says SIGNATURE_TOO_SMALL', async () => {
    vi.mocked(signingApi.submitSignature).mockRejectedValueOnce(
      apiError(422, 'SIGNATURE_TOO_SMALL', '签名过小，请在空白处重新签名，字迹大一些'),
    )
    const { wrapper, router } = await mountSign()
    sign(wrapper)
    await byTestId(wrapper, 'sign-submit').trigger('click')
    await flushPromises()
    expect(router.currentRoute.value.path).toBe('/sign')
    expect(tasksApi.getTask).not.toHaveBeenCalled()
    expect(wrapper.find('.signature-pad__placeholder').exists()).toBe(false)
    expect(byTestId(wrapper, 'sign-submit').classes()).not.toContain('van-button--loading')

    // The same drawing can be sent again.
    await byTestId(wrapper, 'sign-submit').trigger('click')
    await flushPromises()
    expect(signingApi.submitSignature).toHaveBeenCalledTimes(2)
    expect(vi.mocked(signingApi.submitSignature).mock.calls[1]![0].strokes).toHaveLength(1)
  })

  it('should show the failure of the signing task and keep the pad', async () => {
    vi.mocked(tasksApi.getTask).mockResolvedValue({
      task_id: 'task-sign-1',
      status: 'failed',
      result: null,
      error: { code: 'SIGNING_FAILED', message: '签署文件生成失败，请重新提交' },
    })
    const { wrapper, router } = await mountSign()
    sign(wrapper)
    await byTestId(wrapper, 'sign-submit').trigger('click')
    await flushPromises()
    expect(router.currentRoute.value.path).toBe('/sign')
    expect(toastText()).toContain('签署文件生成失败，请重新提交')
    expect(wrapper.find('.signature-pad__placeholder').exists()).toBe(false)
  })
})
