import { flushPromises, type VueWrapper } from '@vue/test-utils'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import * as authApi from '@/api/auth'
import * as idcardApi from '@/api/idcard'
import * as metaApi from '@/api/meta'
import { apiError, makeCase, makeMeta, makeSession, mountAt } from '@/test-utils'
import IdentityPage from '../index.vue'

vi.mock('@/api/meta')
vi.mock('@/api/auth')
vi.mock('@/api/idcard', async (importOriginal) => ({
  ...(await importOriginal<typeof import('@/api/idcard')>()),
  getIdentity: vi.fn(),
  confirmIdentity: vi.fn(),
  retakeIdentity: vi.fn(),
  getIdCard: vi.fn(),
  getUpdate: vi.fn(),
}))

function identity(overrides: Partial<idcardApi.IdentityOut> = {}): idcardApi.IdentityOut {
  return {
    name: '张三',
    sex: '男',
    ethnicity: '汉',
    birth_date: '1990-01-05',
    address: '北京市东城区东华门街道南池子大街1号',
    id_number_masked: '110101********1234',
    issuer: '北京市公安局东城分局',
    valid_from: '2026-05-01',
    valid_to: '2046-05-01',
    long_term: false,
    face_match: { checked: true, passed: true, message: null },
    ...overrides,
  }
}

function byTestId(wrapper: VueWrapper, id: string) {
  return wrapper.find(`[data-testid="${id}"]`)
}

function row(wrapper: VueWrapper, key: string): { title: string; value: string } {
  const cell = byTestId(wrapper, `identity-${key}`)
  return { title: cell.find('.van-cell__title').text(), value: cell.find('.van-cell__value').text() }
}

async function mountIdentity(step = 5) {
  vi.mocked(authApi.getSession).mockResolvedValue(
    makeSession({ case: makeCase({ state: 'idcard_read', current_step: step, step_key: 'identity' }) }),
  )
  return mountAt(IdentityPage, '/identity')
}

beforeEach(() => {
  vi.mocked(metaApi.getMeta).mockResolvedValue(makeMeta())
  vi.mocked(idcardApi.getIdentity).mockResolvedValue(identity())
  vi.mocked(idcardApi.getIdCard).mockResolvedValue({ front: null, back: null, ready: false })
  vi.mocked(idcardApi.confirmIdentity).mockResolvedValue(
    makeCase({ state: 'identity_confirmed', current_step: 6, step_key: 'update' }),
  )
  vi.mocked(idcardApi.retakeIdentity).mockResolvedValue(makeCase({ state: 'face_passed', current_step: 4, step_key: 'idcard' }))
})

describe('identity step (身份信息确认)', () => {
  it('should list the fields as read, with the ID number masked by the server', async () => {
    const { wrapper } = await mountIdentity()
    expect(row(wrapper, 'name')).toEqual({ title: '姓名', value: '张三' })
    expect(row(wrapper, 'sex')).toEqual({ title: '性别', value: '男' })
    expect(row(wrapper, 'ethnicity')).toEqual({ title: '民族', value: '汉' })
    expect(row(wrapper, 'birthDate')).toEqual({ title: '出生', value: '1990年1月5日' })
    expect(row(wrapper, 'address')).toEqual({ title: '住址', value: '北京市东城区东华门街道南池子大街1号' })
    expect(row(wrapper, 'idNumber')).toEqual({ title: '公民身份号码', value: '110101********1234' })
    expect(row(wrapper, 'issuer')).toEqual({ title: '签发机关', value: '北京市公安局东城分局' })
    expect(row(wrapper, 'validity')).toEqual({ title: '有效期限', value: '2026.05.01-2046.05.01' })
    expect(wrapper.findAll('.van-cell-group .van-cell')).toHaveLength(8)
    expect(byTestId(wrapper, 'identity-face-mismatch').exists()).toBe(false)
    expect(byTestId(wrapper, 'identity-confirm').text()).toBe('确认无误')
    expect(byTestId(wrapper, 'identity-retake').text()).toBe('信息有误，重新上传')
  })

  it('should print a long-term card as 长期', async () => {
    vi.mocked(idcardApi.getIdentity).mockResolvedValue(identity({ valid_to: null, long_term: true }))
    const { wrapper } = await mountIdentity()
    expect(row(wrapper, 'validity').value).toBe('2026.05.01-长期')
  })

  it('should say when the card portrait did not match, and still let the customer go on', async () => {
    vi.mocked(idcardApi.getIdentity).mockResolvedValue(
      identity({ face_match: { checked: true, passed: false, message: '身份证照片与人脸识别结果不一致' } }),
    )
    const { wrapper, router } = await mountIdentity()
    const notice = byTestId(wrapper, 'identity-face-mismatch')
    expect(notice.text()).toContain('身份证照片与人脸识别结果不一致')
    expect(notice.text()).toContain('重新上传身份证人像面')
    expect(notice.text()).toContain('工作人员将在审核时进行人工核对')

    await byTestId(wrapper, 'identity-confirm').trigger('click')
    await flushPromises()
    expect(idcardApi.confirmIdentity).toHaveBeenCalledTimes(1)
    await vi.waitFor(() => expect(router.currentRoute.value.path).toBe('/update'))
  })

  it('should not show the notice when the match was not checked', async () => {
    vi.mocked(idcardApi.getIdentity).mockResolvedValue(identity({ face_match: { checked: false, passed: null, message: null } }))
    const { wrapper } = await mountIdentity()
    expect(byTestId(wrapper, 'identity-face-mismatch').exists()).toBe(false)
  })

  it('should record 确认无误 and go to step 6', async () => {
    const { wrapper, router } = await mountIdentity()
    await byTestId(wrapper, 'identity-confirm').trigger('click')
    await flushPromises()
    expect(idcardApi.confirmIdentity).toHaveBeenCalledTimes(1)
    expect(vi.mocked(idcardApi.confirmIdentity).mock.calls[0]![0]).toMatch(/^[0-9a-f-]{36}$/)
    await vi.waitFor(() => expect(router.currentRoute.value.path).toBe('/update'))
  })

  it('should send 信息有误 back to step 4', async () => {
    const { wrapper, router } = await mountIdentity()
    await byTestId(wrapper, 'identity-retake').trigger('click')
    await flushPromises()
    expect(idcardApi.retakeIdentity).toHaveBeenCalledTimes(1)
    expect(idcardApi.confirmIdentity).not.toHaveBeenCalled()
    await vi.waitFor(() => expect(router.currentRoute.value.path).toBe('/idcard'))
  })

  it('should stay on the page when the server refuses', async () => {
    vi.mocked(idcardApi.confirmIdentity).mockRejectedValue(apiError(409, 'CASE_STEP_OUT_OF_ORDER', '请按顺序办理'))
    const { wrapper, router } = await mountIdentity()
    await byTestId(wrapper, 'identity-confirm').trigger('click')
    await flushPromises()
    expect(router.currentRoute.value.path).toBe('/identity')
    expect(byTestId(wrapper, 'identity-confirm').attributes('disabled')).toBeUndefined()
  })

  it('should offer a reload when the identity cannot be loaded', async () => {
    vi.mocked(idcardApi.getIdentity).mockRejectedValueOnce(apiError(0, 'NETWORK_ERROR', '网络连接异常'))
    const { wrapper } = await mountIdentity()
    expect(byTestId(wrapper, 'identity-load-failed').exists()).toBe(true)
    await byTestId(wrapper, 'identity-reload').trigger('click')
    await flushPromises()
    expect(row(wrapper, 'name').value).toBe('张三')
  })
})
