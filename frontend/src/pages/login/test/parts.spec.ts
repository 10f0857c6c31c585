import { mount } from '@vue/test-utils'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { defineComponent, h, reactive } from 'vue'
import { apiError } from '@/test-utils'
import { i18n } from '@/utils/i18n'
import CountdownButton from '../components/CountdownButton.vue'
import { useFieldErrors } from '../components/field-errors'
import LoginField from '../components/LoginField.vue'

afterEach(() => {
  vi.useRealTimers()
})

describe('CountdownButton', () => {
  it('should count down from start(), disabled, then offer the button again', async () => {
    vi.useFakeTimers()
    const wrapper = mount(CountdownButton, { props: { loading: false, testid: 'sms-send' }, global: { plugins: [i18n] } })
    const button = () => wrapper.get('[data-testid="sms-send"]')
    expect(button().text()).toBe('点击获取')

    wrapper.vm.start(3)
    await wrapper.vm.$nextTick()
    expect(button().text()).toBe('3秒后重新获取')
    expect(button().attributes('disabled')).toBeDefined()
    expect(wrapper.vm.running).toBe(true)

    vi.advanceTimersByTime(3_100)
    await wrapper.vm.$nextTick()
    expect(button().text()).toBe('点击获取')
    expect(button().attributes('disabled')).toBeUndefined()
  })

  it('should emit click only while not counting down', async () => {
    const wrapper = mount(CountdownButton, { props: { loading: false, testid: 'sms-send' }, global: { plugins: [i18n] } })
    await wrapper.get('button').trigger('click')
    wrapper.vm.start(60)
    await wrapper.vm.$nextTick()
    await wrapper.get('button').trigger('click')
    expect(wrapper.emitted('click')).toHaveLength(1)
  })
})

describe('LoginField', () => {
  function mountField() {
    const form = reactive({ code: '' })
    let handle!: ReturnType<typeof useFieldErrors>
    const wrapper = mount(
      defineComponent({
        setup() {
          handle = useFieldErrors()
          return () =>
            h(LoginField, {
              modelValue: form.code,
              'onUpdate:modelValue': (value: string) => (form.code = value),
              name: 'code',
              testid: 'sms-code',
              ariaLabel: '短信验证码',
              errors: handle,
              placeholder: '请输入短信验证码',
            })
        },
      }),
      { attachTo: document.body, global: { plugins: [i18n] } },
    )
    return { wrapper, form, handle: () => handle }
  }

  it('should put the test id and accessible name on the input and pass other attributes to van-field', () => {
    const { wrapper } = mountField()
    const input = wrapper.get('input')
    expect(input.attributes('data-testid')).toBe('sms-code')
    expect(input.attributes('aria-label')).toBe('短信验证码')
    expect(input.attributes('placeholder')).toBe('请输入短信验证码')
  })

  it("should show the server's message for its field until the value changes", async () => {
    const { wrapper, form, handle } = mountField()
    handle().showFrom(apiError(422, 'VALIDATION_ERROR', '填写有误', { fields: { code: '验证码错误', other: 'x' } }))
    await wrapper.vm.$nextTick()
    expect(wrapper.get('.van-field__error-message').text()).toBe('验证码错误')

    await wrapper.get('input').setValue('123456')
    expect(form.code).toBe('123456')
    expect(wrapper.find('.van-field__error-message').exists()).toBe(false)
    expect(handle().errors).toEqual({ other: 'x' })
  })

  it('should ignore errors without fields', () => {
    const { handle } = mountField()
    handle().showFrom(new Error('offline'))
    handle().showFrom(apiError(500, 'HTTP_ERROR', '服务暂时不可用'))
    expect(handle().errors).toEqual({})
  })
})
