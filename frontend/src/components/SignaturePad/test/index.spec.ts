import { mount } from '@vue/test-utils'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { drawOn, type FakeContext, installCanvas } from '@/test-utils/dom'
import { i18n } from '@/utils/i18n'
import SignaturePad from '../index.vue'
import { MAX_POINTS, MAX_POINTS_PER_STROKE, thinStrokes } from '../strokes'

let size: { width: number; height: number }
let ctx: FakeContext

function mountPad() {
  return mount(SignaturePad, { attachTo: document.body, global: { plugins: [i18n] } })
}

function canvasOf(wrapper: ReturnType<typeof mountPad>): HTMLCanvasElement {
  return wrapper.get('[data-testid="sign-pad-canvas"]').element as HTMLCanvasElement
}

beforeEach(() => {
  size = { width: 300, height: 200 }
  ctx = installCanvas(size)
  vi.stubGlobal('devicePixelRatio', 2)
})

afterEach(() => {
  vi.unstubAllGlobals()
})

describe('SignaturePad', () => {
  it('should size the canvas for the pixel ratio and start empty', () => {
    const wrapper = mountPad()
    const canvas = canvasOf(wrapper)
    expect(canvas.width).toBe(600)
    expect(canvas.height).toBe(400)
    expect(canvas.style.width).toBe('300px')
    expect(wrapper.vm.isEmpty()).toBe(true)
    expect(wrapper.find('.signature-pad__placeholder').text()).toBe('签名区')
  })

  it('should keep each stroke as points with timestamps in CSS pixels and emit change', async () => {
    const wrapper = mountPad()
    drawOn(canvasOf(wrapper), [
      [10, 20],
      [30, 40],
      [50, 45],
    ])
    await wrapper.vm.$nextTick()
    const strokes = wrapper.vm.strokes()
    expect(strokes).toHaveLength(1)
    expect(strokes[0]!.map((p) => [p.x, p.y])).toEqual([
      [10, 20],
      [30, 40],
      [50, 45],
    ])
    expect(strokes[0]!.every((p) => Number.isInteger(p.t) && p.t > 0)).toBe(true)
    expect(wrapper.emitted('change')).toEqual([[1]])
    expect(ctx.quadraticCurveTo).toHaveBeenCalled()
    expect(wrapper.find('.signature-pad__placeholder').exists()).toBe(false)
  })

  it('should redraw every stroke from its list after a resize, scaled into the new size', async () => {
    const wrapper = mountPad()
    drawOn(canvasOf(wrapper), [
      [100, 100],
      [200, 150],
    ])
    drawOn(canvasOf(wrapper), [[120, 60]])
    const before = wrapper.vm.strokes()
    ctx.clearRect.mockClear()
    ctx.moveTo.mockClear()
    ctx.lineTo.mockClear()
    ctx.arc.mockClear()

    // Rotated to landscape: wider and lower (one scale for both axes: min(600/300, 150/200)).
    size.width = 600
    size.height = 150
    window.dispatchEvent(new Event('resize'))

    const canvas = canvasOf(wrapper)
    expect(canvas.width).toBe(1200)
    expect(canvas.height).toBe(300)
    expect(ctx.clearRect).toHaveBeenCalledWith(0, 0, 600, 150)
    const after = wrapper.vm.strokes()
    expect(after).toHaveLength(2)
    expect(after[0]!.map((p) => [p.x, p.y])).toEqual([
      [75, 75],
      [150, 112.5],
    ])
    expect(after[0]!.map((p) => p.t)).toEqual(before[0]!.map((p) => p.t))
    expect(ctx.moveTo).toHaveBeenCalledWith(75, 75)
    expect(ctx.lineTo).toHaveBeenCalledWith(150, 112.5)
    expect(ctx.arc).toHaveBeenCalledWith(90, 45, expect.any(Number), 0, Math.PI * 2)
    expect(wrapper.vm.size()).toEqual({ width: 600, height: 150 })
  })

  it('should clear the strokes on clear()', async () => {
    const wrapper = mountPad()
    drawOn(canvasOf(wrapper), [
      [10, 10],
      [20, 20],
    ])
    wrapper.vm.clear()
    await wrapper.vm.$nextTick()
    expect(wrapper.vm.isEmpty()).toBe(true)
    expect(wrapper.emitted('change')!.at(-1)).toEqual([0])
  })

  it('should export the strokes and the pad size, and no picture', () => {
    const wrapper = mountPad()
    drawOn(canvasOf(wrapper), [
      [10, 10],
      [20, 25],
    ])
    const signature = wrapper.vm.exportSignature()
    expect(Object.keys(signature).sort()).toEqual(['height', 'strokes', 'width'])
    expect(signature.width).toBe(300)
    expect(signature.height).toBe(200)
    expect(signature.strokes).toHaveLength(1)
    expect(signature.strokes[0]!.map((p) => [p.x, p.y])).toEqual([
      [10, 10],
      [20, 25],
    ])
    expect(HTMLCanvasElement.prototype.toDataURL).not.toHaveBeenCalled()
  })

  it('should thin a long signature to the server limits, keeping each stroke\'s ends', () => {
    const stroke = (n: number, s: number) => Array.from({ length: n }, (_, i) => ({ x: i, y: s, t: i }))
    const many = Array.from({ length: 20 }, (_, s) => stroke(400, s))
    const thinned = thinStrokes(many)
    const total = thinned.reduce((n, s) => n + s.length, 0)
    expect(total).toBeLessThanOrEqual(MAX_POINTS)
    expect(total).toBeGreaterThan(MAX_POINTS * 0.9)
    for (const [i, s] of thinned.entries()) {
      expect(s[0]).toEqual(many[i]![0])
      expect(s.at(-1)).toEqual(many[i]!.at(-1))
    }
    const long = thinStrokes([stroke(MAX_POINTS_PER_STROKE * 2, 0)])
    expect(long[0]!.length).toBe(MAX_POINTS_PER_STROKE)
    const small = [stroke(30, 0), stroke(1, 1)]
    expect(thinStrokes(small)).toEqual(small)
  })

  it('should not draw while disabled', () => {
    const wrapper = mount(SignaturePad, { props: { disabled: true }, attachTo: document.body, global: { plugins: [i18n] } })
    drawOn(wrapper.get('[data-testid="sign-pad-canvas"]').element, [
      [10, 10],
      [20, 20],
    ])
    expect(wrapper.vm.isEmpty()).toBe(true)
  })
})
