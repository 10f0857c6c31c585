import { ref } from 'vue'
import { useRouter } from 'vue-router'
import { stepPath } from '@/router/steps'
import { useCaseStore } from '@/stores/case'

/**
 * What happens right after sign-in: an open case goes to the resume screen; otherwise a
 * new case is started and the customer lands on its current step. When starting fails
 * (already toasted), the resume screen offers the choice again.
 */
export function useCaseEntry() {
  const router = useRouter()
  const cases = useCaseStore()
  const busy = ref(false)

  async function enter(): Promise<void> {
    if (cases.current) {
      await router.replace({ name: 'resume' })
      return
    }
    busy.value = true
    try {
      const created = await cases.start()
      await router.replace(stepPath(created.current_step))
    } catch {
      await router.replace({ name: 'resume' })
    } finally {
      busy.value = false
    }
  }

  return { enter, busy }
}
