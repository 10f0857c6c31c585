import { mount } from '@vue/test-utils'
import { describe, expect, it } from 'vitest'
import PageState from '../index.vue'

describe('PageState', () => {
  it('should show the loading text and no button while loading', () => {
    const wrapper = mount(PageState, { props: { state: 'loading', text: '加载中…' } })
    expect(wrapper.find('.van-loading').exists()).toBe(true)
    expect(wrapper.text()).toBe('加载中…')
    expect(wrapper.find('button').exists()).toBe(false)
    expect(wrapper.attributes('data-testid')).toBeUndefined()
  })

  it('should show the message and emit retry when loading failed', async () => {
    const wrapper = mount(PageState, {
      props: { state: 'failed', text: '加载失败', buttonText: '重新加载', testid: 'x-load-failed', buttonTestid: 'x-reload' },
    })
    expect(wrapper.attributes('data-testid')).toBe('x-load-failed')
    expect(wrapper.find('.van-loading').exists()).toBe(false)
    expect(wrapper.find('.page-state__icon').exists()).toBe(false)
    expect(wrapper.get('.page-state__text').text()).toBe('加载失败')
    const button = wrapper.get('[data-testid="x-reload"]')
    expect(button.text()).toBe('重新加载')
    expect(button.classes()).toContain('van-button--small')

    await button.trigger('click')
    expect(wrapper.emitted('retry')).toHaveLength(1)
    expect(wrapper.emitted('continue')).toBeUndefined()
  })

  it('should show the passed icon and emit continue when the step is done', async () => {
    const wrapper = mount(PageState, {
      props: { state: 'done', text: '已通过', buttonText: '下一步', testid: 'x-done', buttonTestid: 'x-continue' },
    })
    expect(wrapper.attributes('data-testid')).toBe('x-done')
    expect(wrapper.get('.page-state__icon').classes()).toContain('van-icon-passed')
    expect(wrapper.get('.page-state__text').text()).toBe('已通过')
    const button = wrapper.get('[data-testid="x-continue"]')
    expect(button.classes()).toContain('van-button--block')

    await button.trigger('click')
    expect(wrapper.emitted('continue')).toHaveLength(1)
    expect(wrapper.emitted('retry')).toBeUndefined()
  })

  it('should use the compact layout and a smaller spinner when asked', () => {
    const wrapper = mount(PageState, { props: { state: 'loading', text: '加载中…', compact: true } })
    expect(wrapper.classes()).toContain('page-state--compact')
    expect(wrapper.get('.van-loading__spinner').attributes('style')).toContain('24px')
  })
})
