import { flushPromises, type VueWrapper } from '@vue/test-utils'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import * as authApi from '@/api/auth'
import * as idcardApi from '@/api/idcard'
import * as metaApi from '@/api/meta'
import { apiError, makeCase, makeMeta, makeSession, mountAt } from '@/test-utils'
import UpdatePage from '../index.vue'

vi.mock('@/api/meta')
vi.mock('@/api/auth')
vi.mock('@/api/idcard', async (importOriginal) => ({
  ...(await importOriginal<typeof import('@/api/idcard')>()),
  getUpdate: vi.fn(),
  submitUpdate: vi.fn(),
}))

const ADDRESS = '北京市东城区东华门街道南池子大街1号'

function updateOut(overrides: Partial<idcardApi.UpdateOut> = {}): idcardApi.UpdateOut {
  return {
    id_type: '居民身份证',
    id_number_masked: '110101********1234',
    old_valid_from: '2006-05-01',
    old_valid_to: '2026-05-01',
    old_long_term: false,
    valid_from: '2026-05-01',
    valid_to: '2046-05-01',
    long_term: false,
    address: ADDRESS,
    ocr: { valid_from: '2026-05-01', valid_to: '2046-05-01', long_term: false, address: ADDRESS },
    ...overrides,
  }
}

function byTestId(wrapper: VueWrapper, id: string) {
  return wrapper.find(`[data-testid="${id}"]`)
}

function cellValue(wrapper: VueWrapper, id: string): string {
  return byTestId(wrapper, id).find('.van-cell__value').text()
}

function datePicker(wrapper: VueWrapper, which: 'start' | 'end') {
  return wrapper
    .findAllComponents({ name: 'van-date-picker' })
    .find((picker) => picker.attributes('data-testid') === `update-${which}-picker`)!
}

async function submit(wrapper: VueWrapper): Promise<void> {
  await byTestId(wrapper, 'update-submit').trigger('click')
  await flushPromises()
}

async function mountUpdate(step = 6) {
  vi.mocked(authApi.getSession).mockResolvedValue(
    makeSession({ case: makeCase({ state: 'identity_confirmed', current_step: step, step_key: 'update' }) }),
  )
  return mountAt(UpdatePage, '/update')
}

beforeEach(() => {
  vi.mocked(metaApi.getMeta).mockResolvedValue(makeMeta())
  vi.mocked(idcardApi.getUpdate).mockResolvedValue(updateOut())
  vi.mocked(idcardApi.submitUpdate).mockResolvedValue(
    makeCase({ state: 'update_confirmed', current_step: 7, step_key: 'read' }),
  )
})

describe('update step (证件更新信息确认)', () => {
  it('should show the seed rows, pre-filled from the server', async () => {
    const { wrapper } = await mountUpdate()
    expect(byTestId(wrapper, 'update-id-number').text()).toBe('身份证110101********1234')
    expect(byTestId(wrapper, 'update-old-period').text()).toBe('原有效期2006.05.01-2026.05.01')
    expect(wrapper.text()).toContain('新有效期')
    expect(wrapper.text()).toContain('长期有效')
    expect(byTestId(wrapper, 'update-long-term').attributes('aria-checked')).toBe('false')
    expect(byTestId(wrapper, 'update-start').find('.van-cell__title').text()).toBe('起始日期')
    expect(cellValue(wrapper, 'update-start')).toBe('2026.05.01')
    expect(byTestId(wrapper, 'update-start').find('.van-cell__right-icon').exists()).toBe(true)
    expect(byTestId(wrapper, 'update-end').find('.van-cell__title').text()).toBe('截止日期')
    expect(cellValue(wrapper, 'update-end')).toBe('2046.05.01')
    const address = byTestId(wrapper, 'update-address')
    expect(address.element.tagName).toBe('TEXTAREA')
    expect((address.element as HTMLTextAreaElement).value).toBe(ADDRESS)
    expect(wrapper.text()).toContain('证件地址')
    expect(byTestId(wrapper, 'update-submit').text()).toBe('提交')
    expect(byTestId(wrapper, 'update-notice').text()).toBe('尊敬的客户，请确保您所提供的信息准确、真实、完整。')
  })

  it('should print an old long-term period as 长期', async () => {
    vi.mocked(idcardApi.getUpdate).mockResolvedValue(updateOut({ old_valid_to: null, old_long_term: true }))
    const { wrapper } = await mountUpdate()
    expect(cellValue(wrapper, 'update-old-period')).toBe('2006.05.01-长期')
  })

  it('should open the date pickers pre-filled with the dates shown', async () => {
    const { wrapper } = await mountUpdate()
    await byTestId(wrapper, 'update-start').trigger('click')
    await flushPromises()
    expect(datePicker(wrapper, 'start').props('modelValue')).toEqual(['2026', '05', '01'])
    expect(document.body.textContent).toContain('选择起始日期')

    await byTestId(wrapper, 'update-end').trigger('click')
    await flushPromises()
    expect(datePicker(wrapper, 'end').props('modelValue')).toEqual(['2046', '05', '01'])
    const min = datePicker(wrapper, 'end').props('minDate') as Date
    expect([min.getFullYear(), min.getMonth(), min.getDate()]).toEqual([2026, 4, 1])
  })

  it('should take a date chosen in the picker and submit it', async () => {
    const { wrapper } = await mountUpdate()
    await byTestId(wrapper, 'update-start').trigger('click')
    await flushPromises()
    datePicker(wrapper, 'start').vm.$emit('confirm', { selectedValues: ['2026', '04', '30'] })
    await flushPromises()
    expect(cellValue(wrapper, 'update-start')).toBe('2026.04.30')
    // What the card said stays in view beside the customer's edit.
    expect(byTestId(wrapper, 'update-ocr-valid_from').text()).toBe('识别结果：2026.05.01')
    expect(byTestId(wrapper, 'update-ocr-valid_to').exists()).toBe(false)

    await byTestId(wrapper, 'update-end').trigger('click')
    await flushPromises()
    datePicker(wrapper, 'end').vm.$emit('confirm', { selectedValues: ['2046', '04', '30'] })
    await flushPromises()
    await submit(wrapper)
    expect(idcardApi.submitUpdate).toHaveBeenCalledWith(
      { valid_from: '2026-04-30', valid_to: '2046-04-30', long_term: false, address: ADDRESS },
      expect.stringMatching(/^[0-9a-f-]{36}$/),
      undefined,
    )
  })

  it('should hide the end date while 长期有效 is on, and bring it back when off', async () => {
    const { wrapper } = await mountUpdate()
    await byTestId(wrapper, 'update-long-term').trigger('click')
    await flushPromises()
    expect(byTestId(wrapper, 'update-long-term').attributes('aria-checked')).toBe('true')
    expect(byTestId(wrapper, 'update-end').exists()).toBe(false)
    expect(byTestId(wrapper, 'update-start').exists()).toBe(true)

    await byTestId(wrapper, 'update-long-term').trigger('click')
    await flushPromises()
    expect(cellValue(wrapper, 'update-end')).toBe('2046.05.01')

    await byTestId(wrapper, 'update-long-term').trigger('click')
    await flushPromises()
    await submit(wrapper)
    expect(vi.mocked(idcardApi.submitUpdate).mock.calls[0]![0]).toEqual({
      valid_from: '2026-05-01',
      valid_to: null,
      long_term: true,
      address: ADDRESS,
    })
  })

  it('should start with 长期有效 on for a long-term card', async () => {
    vi.mocked(idcardApi.getUpdate).mockResolvedValue(
      updateOut({ valid_to: null, long_term: true, ocr: { valid_from: '2026-05-01', valid_to: null, long_term: true, address: ADDRESS } }),
    )
    const { wrapper } = await mountUpdate()
    expect(byTestId(wrapper, 'update-long-term').attributes('aria-checked')).toBe('true')
    expect(byTestId(wrapper, 'update-end').exists()).toBe(false)
  })

  it('should send the edited address and go to step 7', async () => {
    const { wrapper, router } = await mountUpdate()
    await byTestId(wrapper, 'update-address').setValue(' 北京市东城区东华门街道南池子大街2号 ')
    await submit(wrapper)
    expect(vi.mocked(idcardApi.submitUpdate).mock.calls[0]![0]).toEqual({
      valid_from: '2026-05-01',
      valid_to: '2046-05-01',
      long_term: false,
      address: '北京市东城区东华门街道南池子大街2号',
    })
    await vi.waitFor(() => expect(router.currentRoute.value.path).toBe('/agreements'))
  })

  it('should show a 422 rule message at the end date', async () => {
    const message = '截止日期的月、日应与起始日期相同，请核对证件上的有效期限'
    vi.mocked(idcardApi.submitUpdate).mockRejectedValue(apiError(422, 'UPDATE_END_DAY', message, { retryable: false }))
    const { wrapper, router } = await mountUpdate()
    await submit(wrapper)
    expect(byTestId(wrapper, 'update-error-valid_to').text()).toBe(message)
    expect(router.currentRoute.value.path).toBe('/update')

    // The message goes once the date is changed.
    await byTestId(wrapper, 'update-end').trigger('click')
    await flushPromises()
    datePicker(wrapper, 'end').vm.$emit('confirm', { selectedValues: ['2046', '05', '02'] })
    await flushPromises()
    expect(byTestId(wrapper, 'update-error-valid_to').exists()).toBe(false)
  })

  it('should show a period refusal at 长期有效 when it is on', async () => {
    const message = '您申领证件时未满46周岁，有效期不能为长期，请核对'
    vi.mocked(idcardApi.submitUpdate).mockRejectedValue(apiError(422, 'UPDATE_PERIOD_RULE', message, { retryable: false }))
    const { wrapper } = await mountUpdate()
    await byTestId(wrapper, 'update-long-term').trigger('click')
    await submit(wrapper)
    expect(byTestId(wrapper, 'update-error-long_term').text()).toBe(message)
  })

  it('should show a start date in the future at the start date', async () => {
    const message = '起始日期不能晚于今天'
    vi.mocked(idcardApi.submitUpdate).mockRejectedValue(apiError(422, 'UPDATE_START_IN_FUTURE', message))
    const { wrapper } = await mountUpdate()
    await submit(wrapper)
    expect(byTestId(wrapper, 'update-error-valid_from').text()).toBe(message)
  })

  it('should show a field of VALIDATION_ERROR under that field', async () => {
    vi.mocked(idcardApi.submitUpdate).mockRejectedValue(
      apiError(422, 'VALIDATION_ERROR', '请检查填写的内容', { fields: { address: '证件地址含有不支持的字符' } }),
    )
    const { wrapper } = await mountUpdate()
    await submit(wrapper)
    expect(wrapper.find('.update-page__address .van-field__error-message').text()).toBe('证件地址含有不支持的字符')
  })

  it('should require an address before sending', async () => {
    const { wrapper } = await mountUpdate()
    await byTestId(wrapper, 'update-address').setValue('   ')
    await submit(wrapper)
    expect(idcardApi.submitUpdate).not.toHaveBeenCalled()
    expect(wrapper.find('.update-page__address .van-field__error-message').text()).toBe('请输入证件地址')
  })
})
