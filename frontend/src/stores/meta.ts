import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import { getMeta, type MetaOut } from '@/api/meta'
import { STEP_COUNT, stepByNumber } from '@/router/steps'
import { formatClock } from '@/utils/datetime'
import { t } from '@/utils/i18n'

/** The guide's hours, shown until the server's answer arrives. */
const DEFAULT_HOURS = { open: '08:30', close: '15:30' }

export const useMetaStore = defineStore('meta', () => {
  const meta = ref<MetaOut | null>(null)
  let pending: Promise<void> | null = null

  /** Loads `/api/meta` once (it also sets the CSRF cookie); failures are toasted, not thrown. */
  function ensureLoaded(): Promise<void> {
    if (meta.value) return Promise.resolve()
    pending ??= getMeta()
      .then((value) => {
        meta.value = value
      })
      .catch(() => undefined)
      .finally(() => {
        pending = null
      })
    return pending
  }

  async function reload(): Promise<void> {
    meta.value = await getMeta()
  }

  const stepCount = computed(() => meta.value?.steps.length || STEP_COUNT)
  const businessHours = computed(() => {
    const hours = meta.value?.business_hours ?? DEFAULT_HOURS
    return { open: formatClock(hours.open), close: formatClock(hours.close) }
  })
  const serviceClosed = computed(() => meta.value !== null && !meta.value.service_open)
  const showDemoBanner = computed(() => meta.value?.ignore_business_hours === true)

  /** The server's title of a step, or the app's own when the meta is not loaded. */
  function stepTitle(number: number): string {
    const fromServer = meta.value?.steps.find((s) => s.number === number)?.title
    if (fromServer) return fromServer
    const step = stepByNumber(number)
    return step ? t(`steps.${step.key}`) : ''
  }

  return { meta, ensureLoaded, reload, stepCount, businessHours, serviceClosed, showDemoBanner, stepTitle }
})
