/** jsdom stand-ins for the browser APIs the signing steps use (IntersectionObserver, canvas). */
import { vi } from 'vitest'

/** An IntersectionObserver the spec drives: `intersect()` tells every observer its target is in view. */
export class FakeIntersectionObserver {
  static instances: FakeIntersectionObserver[] = []
  readonly targets: Element[] = []
  disconnected = false

  constructor(
    private readonly callback: IntersectionObserverCallback,
    readonly options?: IntersectionObserverInit,
  ) {
    FakeIntersectionObserver.instances.push(this)
  }

  observe(target: Element): void {
    this.targets.push(target)
  }

  unobserve(): void {}

  disconnect(): void {
    this.disconnected = true
  }

  takeRecords(): IntersectionObserverEntry[] {
    return []
  }

  static intersect(): void {
    for (const io of FakeIntersectionObserver.instances.filter((o) => !o.disconnected)) {
      const entries = io.targets.map((target) => ({ target, isIntersecting: true }) as IntersectionObserverEntry)
      io.callback(entries, io as unknown as IntersectionObserver)
    }
  }
}

export function installIntersectionObserver(): void {
  FakeIntersectionObserver.instances = []
  vi.stubGlobal('IntersectionObserver', FakeIntersectionObserver)
}

/** A 2D context that records the drawing calls. */
export function fakeContext() {
  return {
    setTransform: vi.fn(),
    clearRect: vi.fn(),
    fillRect: vi.fn(),
    beginPath: vi.fn(),
    moveTo: vi.fn(),
    lineTo: vi.fn(),
    quadraticCurveTo: vi.fn(),
    arc: vi.fn(),
    stroke: vi.fn(),
    fill: vi.fn(),
    strokeStyle: '',
    fillStyle: '',
    lineWidth: 1,
    lineCap: 'butt',
    lineJoin: 'miter',
  }
}

export type FakeContext = ReturnType<typeof fakeContext>

export const FAKE_PNG = 'data:image/png;base64,iVBORw0KGgo='

/**
 * Canvas for jsdom: every canvas draws into one recording context, `toDataURL` gives a PNG
 * data URL, and the signature pad's box measures `size` (a mutable object: change it and
 * resize to simulate a rotation).
 */
export function installCanvas(size: { width: number; height: number }): FakeContext {
  const ctx = fakeContext()
  vi.spyOn(HTMLCanvasElement.prototype, 'getContext').mockImplementation(
    (() => ctx as unknown as CanvasRenderingContext2D) as unknown as HTMLCanvasElement['getContext'],
  )
  vi.spyOn(HTMLCanvasElement.prototype, 'toDataURL').mockReturnValue(FAKE_PNG)
  vi.spyOn(HTMLElement.prototype, 'clientWidth', 'get').mockImplementation(function (this: HTMLElement) {
    return this.classList.contains('signature-pad') ? size.width : 0
  })
  vi.spyOn(HTMLElement.prototype, 'clientHeight', 'get').mockImplementation(function (this: HTMLElement) {
    return this.classList.contains('signature-pad') ? size.height : 0
  })
  return ctx
}

/** A pointer event (jsdom has no PointerEvent): a MouseEvent with `pointerId` and `pointerType`. */
export function pointer(type: string, x: number, y: number, pointerId = 1): MouseEvent {
  const event = new MouseEvent(type, { clientX: x, clientY: y, bubbles: true, cancelable: true, button: 0 })
  Object.defineProperty(event, 'pointerId', { value: pointerId })
  Object.defineProperty(event, 'pointerType', { value: 'touch' })
  return event
}

/** Draws one stroke through `points` on the element (the pad's canvas). */
export function drawOn(el: Element, points: ReadonlyArray<[number, number]>): void {
  const [first, ...rest] = points
  if (!first) return
  el.dispatchEvent(pointer('pointerdown', first[0], first[1]))
  for (const [x, y] of rest) el.dispatchEvent(pointer('pointermove', x, y))
  const last = rest[rest.length - 1] ?? first
  el.dispatchEvent(pointer('pointerup', last[0], last[1]))
}
