import { flushPromises, mount, type VueWrapper } from '@vue/test-utils'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import * as authApi from '@/api/auth'
import * as casesApi from '@/api/cases'
import * as metaApi from '@/api/meta'
import { apiError, createHarness, makeCase, makeMeta, makeSession, mountAt, toastText } from '@/test-utils'
import { i18n } from '@/utils/i18n'
import PasswordLoginForm from '../components/PasswordLoginForm.vue'
import SmsLoginForm from '../components/SmsLoginForm.vue'
import LoginPage from '../index.vue'

vi.mock('@/api/meta')
vi.mock('@/api/auth')
vi.mock('@/api/cases', async (importOriginal) => ({
  ...(await importOriginal<typeof import('@/api/cases')>()),
  createCase: vi.fn(),
  cancelCurrentCase: vi.fn(),
  getCurrentCase: vi.fn(),
}))

// A navigation imports the next page's module first (lazy routes): seconds on a busy machine.
const NAVIGATION = { timeout: 10_000 }

const CAPTCHA_1 = { captcha_id: 'c1', image: 'data:image/png;base64,AAAA', expires_in: 120 }
const CAPTCHA_2 = { captcha_id: 'c2', image: 'data:image/png;base64,BBBB', expires_in: 120 }

function byTestId(wrapper: VueWrapper, id: string) {
  return wrapper.find(`[data-testid="${id}"]`)
}

function errorTexts(wrapper: VueWrapper): string[] {
  return wrapper.findAll('.van-field__error-message').map((el) => el.text())
}

async function mountForm<C extends typeof SmsLoginForm | typeof PasswordLoginForm>(component: C) {
  const harness = createHarness()
  const wrapper = mount(component, {
    attachTo: document.body,
    global: { plugins: [harness.pinia, harness.router, i18n] },
  })
  await flushPromises()
  return wrapper
}

beforeEach(() => {
  vi.mocked(metaApi.getMeta).mockResolvedValue(makeMeta())
  vi.mocked(authApi.getSession).mockRejectedValue(apiError(401, 'NOT_SIGNED_IN', '请先完成账户验证'))
  vi.mocked(authApi.getCaptcha).mockResolvedValue(CAPTCHA_1)
})

afterEach(() => {
  vi.useRealTimers()
})

describe('login page', () => {
  it('should show the two tabs of the guide, SMS first', async () => {
    const { wrapper } = await mountAt(LoginPage, '/login')
    expect(byTestId(wrapper, 'tab-sms').text()).toBe('验证码登录')
    expect(byTestId(wrapper, 'tab-password').text()).toBe('交易密码登录')
    expect(wrapper.find('.van-tab--active').text()).toBe('验证码登录')
    expect(byTestId(wrapper, 'sms-fund-account').attributes('placeholder')).toBe('请输入资金账号')
    expect(wrapper.text()).toContain('资金账号')
    expect(byTestId(wrapper, 'sms-mobile-last4').attributes('placeholder')).toBe('请输入预留手机号码后4位')
    expect(byTestId(wrapper, 'sms-code').attributes('placeholder')).toBe('请输入短信验证码')
    expect(byTestId(wrapper, 'sms-send').text()).toBe('点击获取')
    expect(byTestId(wrapper, 'sms-submit').text()).toBe('点击验证')
  })

  it('should show the business hours from meta in the footer', async () => {
    vi.mocked(metaApi.getMeta).mockResolvedValue(makeMeta({ business_hours: { open: '09:00', close: '15:00' } }))
    const { wrapper } = await mountAt(LoginPage, '/login')
    expect(byTestId(wrapper, 'business-hours').text()).toBe('1. 业务办理时间: 交易日9:00-15:00')
    expect(byTestId(wrapper, 'service-closed').exists()).toBe(false)
  })

  it('should show the next opening time when the service is closed', async () => {
    vi.mocked(metaApi.getMeta).mockResolvedValue(
      makeMeta({ service_open: false, next_open: '2026-11-26T08:30:00+08:00' }),
    )
    const { wrapper } = await mountAt(LoginPage, '/login')
    expect(byTestId(wrapper, 'service-closed').text()).toContain('当前非业务办理时间，下次开放时间：2026年11月26日 08:30')
  })

  it('should switch to the trading-password tab and load a captcha', async () => {
    const { wrapper } = await mountAt(LoginPage, '/login')
    expect(authApi.getCaptcha).not.toHaveBeenCalled()
    await byTestId(wrapper, 'tab-password').trigger('click')
    await flushPromises()
    expect(wrapper.find('.van-tab--active').text()).toBe('交易密码登录')
    expect(byTestId(wrapper, 'pwd-account').attributes('placeholder')).toBe('请输入交易账号')
    expect(byTestId(wrapper, 'pwd-password').attributes('type')).toBe('password')
    expect(byTestId(wrapper, 'pwd-password').attributes('placeholder')).toBe('请输入交易密码')
    expect(byTestId(wrapper, 'pwd-captcha').attributes('placeholder')).toBe('请输入右侧验证码')
    expect(byTestId(wrapper, 'pwd-captcha-image').attributes('src')).toBe(CAPTCHA_1.image)
    expect(authApi.getCaptcha).toHaveBeenCalledTimes(1)
  })

  it('should start a case and go to its step after signing in without an open case', async () => {
    vi.mocked(authApi.verifySmsCode).mockResolvedValue(makeSession())
    vi.mocked(casesApi.createCase).mockResolvedValue(makeCase())
    const { wrapper, router } = await mountAt(LoginPage, '/login')
    await byTestId(wrapper, 'sms-fund-account').setValue('80001234')
    await byTestId(wrapper, 'sms-mobile-last4').setValue('5678')
    await byTestId(wrapper, 'sms-code').setValue('123456')
    await byTestId(wrapper, 'sms-submit').trigger('click')
    await flushPromises()
    expect(casesApi.createCase).toHaveBeenCalledTimes(1)
    const key = vi.mocked(casesApi.createCase).mock.calls[0]![0]
    expect(key).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
    await vi.waitFor(() => expect(router.currentRoute.value.path).toBe('/face'), NAVIGATION)
  })

  it('should go to the resume screen after signing in with an open case', async () => {
    vi.mocked(authApi.verifySmsCode).mockResolvedValue(makeSession({ case: makeCase({ current_step: 5 }) }))
    const { wrapper, router } = await mountAt(LoginPage, '/login')
    await byTestId(wrapper, 'sms-fund-account').setValue('80001234')
    await byTestId(wrapper, 'sms-mobile-last4').setValue('5678')
    await byTestId(wrapper, 'sms-code').setValue('123456')
    await byTestId(wrapper, 'sms-submit').trigger('click')
    await flushPromises()
    expect(casesApi.createCase).not.toHaveBeenCalled()
    await vi.waitFor(() => expect(router.currentRoute.value.path).toBe('/resume'), NAVIGATION)
  })

  it('should say 账户验证 (step 2 of the guide) as its heading and in the tab title', async () => {
    const { wrapper } = await mountAt(LoginPage, '/login')
    expect(byTestId(wrapper, 'login-heading').text()).toBe('账户验证')
    expect(document.title).toBe('账户验证 - 证件更新')
  })

  it('should go back to 我的办理记录 after signing in when it was opened from there', async () => {
    vi.mocked(authApi.verifySmsCode).mockResolvedValue(makeSession({ case: makeCase({ current_step: 5 }) }))
    vi.spyOn(casesApi, 'listCaseRecords').mockResolvedValue([])
    const { wrapper, router } = await mountAt(LoginPage, '/login?redirect=/records')
    await byTestId(wrapper, 'sms-fund-account').setValue('80001234')
    await byTestId(wrapper, 'sms-mobile-last4').setValue('5678')
    await byTestId(wrapper, 'sms-code').setValue('123456')
    await byTestId(wrapper, 'sms-submit').trigger('click')
    await flushPromises()
    expect(casesApi.createCase).not.toHaveBeenCalled()
    await vi.waitFor(() => expect(router.currentRoute.value.path).toBe('/records'), NAVIGATION)
  })

  it.each(['https://evil.example/', '//evil.example/x', '/face', '/status'])(
    'should ignore a redirect to %s and let the case decide',
    async (redirect) => {
      vi.mocked(authApi.verifySmsCode).mockResolvedValue(makeSession({ case: makeCase({ current_step: 5 }) }))
      const { wrapper, router } = await mountAt(LoginPage, `/login?redirect=${encodeURIComponent(redirect)}`)
      await byTestId(wrapper, 'sms-fund-account').setValue('80001234')
      await byTestId(wrapper, 'sms-mobile-last4').setValue('5678')
      await byTestId(wrapper, 'sms-code').setValue('123456')
      await byTestId(wrapper, 'sms-submit').trigger('click')
      await flushPromises()
      await vi.waitFor(() => expect(router.currentRoute.value.path).toBe('/resume'), NAVIGATION)
    },
  )
})

describe('SMS sign-in form', () => {
  it('should show Chinese messages for empty fields and not call the API', async () => {
    const wrapper = await mountForm(SmsLoginForm)
    await byTestId(wrapper, 'sms-submit').trigger('click')
    await flushPromises()
    expect(errorTexts(wrapper)).toEqual(['请输入资金账号', '请输入预留手机号码后4位', '请输入短信验证码'])
    expect(authApi.verifySmsCode).not.toHaveBeenCalled()
    expect(wrapper.emitted('signed-in')).toBeUndefined()
  })

  it('should reject wrong lengths and keep only digits', async () => {
    const wrapper = await mountForm(SmsLoginForm)
    await byTestId(wrapper, 'sms-fund-account').setValue('12a')
    expect((byTestId(wrapper, 'sms-fund-account').element as HTMLInputElement).value).toBe('12')
    await byTestId(wrapper, 'sms-mobile-last4').setValue('567')
    await byTestId(wrapper, 'sms-code').setValue('12345')
    await byTestId(wrapper, 'sms-submit').trigger('click')
    await flushPromises()
    expect(errorTexts(wrapper)).toEqual(['资金账号应为4-20位数字', '请输入4位数字', '短信验证码应为6位数字'])
    expect(authApi.verifySmsCode).not.toHaveBeenCalled()
  })

  it('should not ask for a code until the account and the last 4 digits are valid', async () => {
    const wrapper = await mountForm(SmsLoginForm)
    await byTestId(wrapper, 'sms-send').trigger('click')
    await flushPromises()
    expect(errorTexts(wrapper)).toEqual(['请输入资金账号', '请输入预留手机号码后4位'])
    expect(authApi.sendSmsCode).not.toHaveBeenCalled()
  })

  it('should count down from resend_after after sending and then offer the button again', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] })
    vi.mocked(authApi.sendSmsCode).mockResolvedValue({ sent: true, resend_after: 60, expires_in: 300 })
    const wrapper = await mountForm(SmsLoginForm)
    await byTestId(wrapper, 'sms-fund-account').setValue('80001234')
    await byTestId(wrapper, 'sms-mobile-last4').setValue('5678')
    await byTestId(wrapper, 'sms-send').trigger('click')
    await flushPromises()

    expect(authApi.sendSmsCode).toHaveBeenCalledWith(
      { fund_account: '80001234', mobile_last4: '5678' },
      expect.stringMatching(/^[0-9a-f-]{36}$/),
    )
    const send = byTestId(wrapper, 'sms-send')
    expect(send.text()).toBe('60秒后重新获取')
    expect(send.attributes('disabled')).toBeDefined()
    expect(toastText()).toContain('验证码将发送至您的预留手机')

    await vi.advanceTimersByTimeAsync(1000)
    expect(byTestId(wrapper, 'sms-send').text()).toBe('59秒后重新获取')
    await vi.advanceTimersByTimeAsync(59_000)
    expect(byTestId(wrapper, 'sms-send').text()).toBe('点击获取')
    expect(byTestId(wrapper, 'sms-send').attributes('disabled')).toBeUndefined()
  })

  it('should honour SMS_COOLDOWN retry_after and show the server message', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] })
    // The interceptor toasts; the mocked module only rejects, so toast as it would.
    vi.mocked(authApi.sendSmsCode).mockRejectedValue(
      apiError(429, 'SMS_COOLDOWN', '验证码发送过于频繁，请42秒后再试', { detail: { retry_after: 42 } }),
    )
    const wrapper = await mountForm(SmsLoginForm)
    await byTestId(wrapper, 'sms-fund-account').setValue('80001234')
    await byTestId(wrapper, 'sms-mobile-last4').setValue('5678')
    await byTestId(wrapper, 'sms-send').trigger('click')
    await flushPromises()
    expect(byTestId(wrapper, 'sms-send').text()).toBe('42秒后重新获取')
    await vi.advanceTimersByTimeAsync(42_000)
    expect(byTestId(wrapper, 'sms-send').text()).toBe('点击获取')
  })

  it('should emit signed-in with the session after a valid code', async () => {
    const session = makeSession()
    vi.mocked(authApi.verifySmsCode).mockResolvedValue(session)
    const wrapper = await mountForm(SmsLoginForm)
    await byTestId(wrapper, 'sms-fund-account').setValue('80001234')
    await byTestId(wrapper, 'sms-mobile-last4').setValue('5678')
    await byTestId(wrapper, 'sms-code').setValue('123456')
    await byTestId(wrapper, 'sms-submit').trigger('click')
    await flushPromises()
    expect(authApi.verifySmsCode).toHaveBeenCalledWith({ fund_account: '80001234', mobile_last4: '5678', code: '123456' })
    expect(wrapper.emitted('signed-in')).toEqual([[session]])
  })

  it('should show the server field messages under the inputs', async () => {
    vi.mocked(authApi.verifySmsCode).mockRejectedValue(
      apiError(422, 'VALIDATION_ERROR', '填写的信息有误，请检查后重试', { fields: { code: '验证码格式不正确' } }),
    )
    const wrapper = await mountForm(SmsLoginForm)
    await byTestId(wrapper, 'sms-fund-account').setValue('80001234')
    await byTestId(wrapper, 'sms-mobile-last4').setValue('5678')
    await byTestId(wrapper, 'sms-code').setValue('123456')
    await byTestId(wrapper, 'sms-submit').trigger('click')
    await flushPromises()
    expect(errorTexts(wrapper)).toEqual(['验证码格式不正确'])
    expect(wrapper.emitted('signed-in')).toBeUndefined()
  })
})

describe('trading-password sign-in form', () => {
  async function fill(wrapper: VueWrapper) {
    await byTestId(wrapper, 'pwd-account').setValue('80001234')
    await byTestId(wrapper, 'pwd-password').setValue('secret-pass')
    await byTestId(wrapper, 'pwd-captcha').setValue('ab3d')
  }

  it('should show Chinese messages for empty fields and not call the API', async () => {
    const wrapper = await mountForm(PasswordLoginForm)
    await byTestId(wrapper, 'pwd-submit').trigger('click')
    await flushPromises()
    expect(errorTexts(wrapper)).toEqual(['请输入交易账号', '请输入交易密码', '请输入右侧验证码'])
    expect(authApi.signInWithPassword).not.toHaveBeenCalled()
  })

  it('should reject a short account and a malformed captcha', async () => {
    const wrapper = await mountForm(PasswordLoginForm)
    await byTestId(wrapper, 'pwd-account').setValue('123')
    await byTestId(wrapper, 'pwd-password').setValue('x')
    await byTestId(wrapper, 'pwd-captcha').setValue('a-')
    await byTestId(wrapper, 'pwd-submit').trigger('click')
    await flushPromises()
    expect(errorTexts(wrapper)).toEqual(['交易账号应为4-20位数字', '请输入4位字母或数字'])
  })

  it('should refresh the captcha when it is tapped', async () => {
    vi.mocked(authApi.getCaptcha).mockResolvedValueOnce(CAPTCHA_1).mockResolvedValueOnce(CAPTCHA_2)
    const wrapper = await mountForm(PasswordLoginForm)
    expect(byTestId(wrapper, 'pwd-captcha-image').attributes('src')).toBe(CAPTCHA_1.image)
    await byTestId(wrapper, 'pwd-captcha-image').trigger('click')
    await flushPromises()
    expect(authApi.getCaptcha).toHaveBeenCalledTimes(2)
    expect(byTestId(wrapper, 'pwd-captcha-image').attributes('src')).toBe(CAPTCHA_2.image)
  })

  it('should send the captcha id and emit signed-in on success', async () => {
    const session = makeSession()
    vi.mocked(authApi.signInWithPassword).mockResolvedValue(session)
    const wrapper = await mountForm(PasswordLoginForm)
    await fill(wrapper)
    await byTestId(wrapper, 'pwd-submit').trigger('click')
    await flushPromises()
    expect(authApi.signInWithPassword).toHaveBeenCalledWith({
      trading_account: '80001234',
      password: 'secret-pass',
      captcha_id: 'c1',
      captcha_code: 'ab3d',
    })
    expect(wrapper.emitted('signed-in')).toEqual([[session]])
  })

  it.each([
    ['CAPTCHA_INVALID', 400, '图形验证码不正确，请重新输入'],
    ['CREDENTIALS_INVALID', 400, '账号或密码不正确，还可尝试4次'],
    ['OUTSIDE_BUSINESS_HOURS', 403, '当前不在业务办理时间'],
  ])('should load a new captcha and clear its input after %s', async (code, status, message) => {
    vi.mocked(authApi.getCaptcha).mockResolvedValueOnce(CAPTCHA_1).mockResolvedValueOnce(CAPTCHA_2)
    vi.mocked(authApi.signInWithPassword).mockRejectedValue(apiError(status, code, message))
    const wrapper = await mountForm(PasswordLoginForm)
    await fill(wrapper)
    await byTestId(wrapper, 'pwd-submit').trigger('click')
    await flushPromises()
    expect(authApi.getCaptcha).toHaveBeenCalledTimes(2)
    expect(byTestId(wrapper, 'pwd-captcha-image').attributes('src')).toBe(CAPTCHA_2.image)
    expect((byTestId(wrapper, 'pwd-captcha').element as HTMLInputElement).value).toBe('')
    expect(wrapper.emitted('signed-in')).toBeUndefined()
  })
})
