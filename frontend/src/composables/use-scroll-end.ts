import { getCurrentScope, onScopeDispose, ref } from 'vue'

/** How close to the bottom (CSS pixels) counts as the end, for the scroll-position fallback. */
export const SCROLL_END_TOLERANCE_PX = 8

/** The scroll position says the end is in view (a box with no layout, e.g. hidden, never is). */
export function scrolledToEnd(el: HTMLElement, tolerance = SCROLL_END_TOLERANCE_PX): boolean {
  return el.scrollHeight > 0 && el.scrollTop + el.clientHeight >= el.scrollHeight - tolerance
}

/**
 * Tells once when the end of a scrolling box has been reached: an IntersectionObserver on a
 * sentinel at the bottom of the content, with the scroll position as a fallback (old web views
 * without the observer, or a sentinel the observer misses). Content short enough to need no
 * scrolling counts as reached at once.
 */
export function useScrollEnd(onEnd: () => void) {
  const reached = ref(false)
  let observer: IntersectionObserver | null = null
  let root: HTMLElement | null = null

  function detach(): void {
    observer?.disconnect()
    observer = null
    root?.removeEventListener('scroll', onScroll)
    root = null
  }

  function hit(): void {
    if (reached.value) return
    reached.value = true
    detach()
    onEnd()
  }

  function onScroll(): void {
    if (root && scrolledToEnd(root)) hit()
  }

  /** Starts watching `box` (the scrolling element) for `sentinel` (the last thing in it). */
  function attach(box: HTMLElement, sentinel: HTMLElement): void {
    detach()
    reached.value = false
    root = box
    if (typeof IntersectionObserver === 'function') {
      observer = new IntersectionObserver((entries) => {
        if (entries.some((entry) => entry.isIntersecting)) hit()
      }, { root: box, threshold: 0 })
      observer.observe(sentinel)
    }
    box.addEventListener('scroll', onScroll, { passive: true })
    onScroll()
  }

  if (getCurrentScope()) onScopeDispose(detach)

  return { reached, attach, detach }
}
