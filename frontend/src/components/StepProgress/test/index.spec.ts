import { mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { describe, expect, it } from 'vitest'
import { useMetaStore } from '@/stores/meta'
import { makeMeta } from '@/test-utils'
import { i18n } from '@/utils/i18n'
import StepProgress from '../index.vue'

function mountAtStep(step: number, withMeta = true) {
  const pinia = createPinia()
  setActivePinia(pinia)
  if (withMeta) useMetaStore().meta = makeMeta()
  return mount(StepProgress, { props: { step }, global: { plugins: [pinia, i18n] } })
}

describe('StepProgress', () => {
  it('should show the step, the total and the title, with a bar', () => {
    const wrapper = mountAtStep(3)
    const progress = wrapper.get('[data-testid="progress"]')
    expect(progress.text()).toBe('第 3/10 步 · 人脸识别')
    expect(progress.attributes('aria-valuenow')).toBe('3')
    expect(progress.attributes('aria-valuemax')).toBe('10')
    expect(wrapper.get('.step-progress__fill').attributes('style')).toContain('width: 30%')
  })

  it('should use the app\'s own titles before the meta arrives', () => {
    const wrapper = mountAtStep(8, false)
    expect(wrapper.get('[data-testid="progress"]').text()).toBe('第 8/10 步 · 签署协议')
  })
})
