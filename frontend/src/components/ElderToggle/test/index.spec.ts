import { mount } from '@vue/test-utils'
import { describe, expect, it } from 'vitest'
import { ELDER_MODE_CLASS, ELDER_MODE_STORAGE_KEY, useElderMode } from '@/composables/use-elder-mode'
import { i18n } from '@/utils/i18n'
import ElderToggle from '../index.vue'

function mountToggle() {
  useElderMode().reload()
  return mount(ElderToggle, { global: { plugins: [i18n] } })
}

describe('ElderToggle (适老化)', () => {
  it('should switch large mode on and off, and remember it', async () => {
    const wrapper = mountToggle()
    const button = wrapper.get('[data-testid="elder-toggle"]')
    expect(button.attributes('aria-pressed')).toBe('false')
    expect(button.text()).toBe('大字模式')

    await button.trigger('click')
    expect(button.attributes('aria-pressed')).toBe('true')
    expect(button.text()).toBe('标准模式')
    expect(document.documentElement.classList.contains(ELDER_MODE_CLASS)).toBe(true)
    expect(localStorage.getItem(ELDER_MODE_STORAGE_KEY)).toBe('1')

    await button.trigger('click')
    expect(document.documentElement.classList.contains(ELDER_MODE_CLASS)).toBe(false)
    expect(localStorage.getItem(ELDER_MODE_STORAGE_KEY)).toBeNull()
  })

  it('should use the two-character labels when compact, keeping the full name for screen readers', async () => {
    useElderMode().reload()
    const wrapper = mount(ElderToggle, { props: { compact: true }, global: { plugins: [i18n] } })
    const button = wrapper.get('[data-testid="elder-toggle"]')
    expect(button.text()).toBe('大字')
    expect(button.attributes('aria-label')).toBe('适老化大字模式')
    await button.trigger('click')
    expect(button.text()).toBe('标准')
    await button.trigger('click')
  })

  it('should start in large mode when it was chosen before', () => {
    localStorage.setItem(ELDER_MODE_STORAGE_KEY, '1')
    const wrapper = mountToggle()
    expect(wrapper.get('[data-testid="elder-toggle"]').attributes('aria-pressed')).toBe('true')
    expect(document.documentElement.classList.contains(ELDER_MODE_CLASS)).toBe(true)
  })

  it('should store nothing but the preference', async () => {
    const wrapper = mountToggle()
    await wrapper.get('[data-testid="elder-toggle"]').trigger('click')
    expect(Object.keys(localStorage)).toEqual([ELDER_MODE_STORAGE_KEY])
  })
})
