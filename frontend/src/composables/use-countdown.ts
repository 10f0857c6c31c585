import { computed, getCurrentScope, onScopeDispose, ref } from 'vue'

/**
 * A seconds countdown (e.g. before another SMS code may be asked for). It counts against a
 * deadline, not ticks, so a phone that throttles timers in the background stays right.
 */
export function useCountdown() {
  const remaining = ref(0)
  const running = computed(() => remaining.value > 0)
  let deadline = 0
  let timer: ReturnType<typeof setInterval> | undefined

  function stop(): void {
    if (timer !== undefined) clearInterval(timer)
    timer = undefined
    remaining.value = 0
  }

  function tick(): void {
    remaining.value = Math.max(0, Math.ceil((deadline - Date.now()) / 1000))
    if (remaining.value === 0) stop()
  }

  function start(seconds: number): void {
    stop()
    if (!Number.isFinite(seconds) || seconds <= 0) return
    deadline = Date.now() + seconds * 1000
    remaining.value = Math.ceil(seconds)
    timer = setInterval(tick, 250)
  }

  if (getCurrentScope()) onScopeDispose(stop)

  return { remaining, running, start, stop }
}
