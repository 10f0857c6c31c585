import { computed, ref } from 'vue'

/** localStorage key. Only this UI preference is stored there, never tokens or personal data. */
export const ELDER_MODE_STORAGE_KEY = 'idrenew:elder-mode'
export const ELDER_MODE_CLASS = 'elder-mode'

function readStored(): boolean {
  try {
    return globalThis.localStorage?.getItem(ELDER_MODE_STORAGE_KEY) === '1'
  } catch {
    return false // storage disabled (private mode of some web views)
  }
}

function persist(on: boolean): void {
  try {
    if (on) globalThis.localStorage?.setItem(ELDER_MODE_STORAGE_KEY, '1')
    else globalThis.localStorage?.removeItem(ELDER_MODE_STORAGE_KEY)
  } catch {
    // The switch still works for this visit.
  }
}

function applyClass(on: boolean): void {
  globalThis.document?.documentElement.classList.toggle(ELDER_MODE_CLASS, on)
}

const enabled = ref(readStored())
applyClass(enabled.value)

function set(on: boolean): void {
  enabled.value = on
  persist(on)
  applyClass(on)
}

/**
 * 适老化 (elder-friendly) mode: larger text and touch targets, through the CSS variables in
 * `styles/var.css` under `html.elder-mode`. The choice survives reloads.
 */
export function useElderMode() {
  return {
    enabled: computed(() => enabled.value),
    toggle: (): void => set(!enabled.value),
    set,
    /** Re-reads the stored preference (tests, or another tab changed it). */
    reload: (): void => {
      enabled.value = readStored()
      applyClass(enabled.value)
    },
  }
}
