import { computed, ref } from 'vue'

/** Pages with an 操作指南 (route `meta.guide`): the guide's content in `components/GuidePopup`. */
export type GuideKey = 'idcard' | 'update' | 'sign'

const shown = ref(false)

/**
 * The 操作指南 popup of the current page: the nav bar opens it, a page may open it too (e.g.
 * next to a photo that must be retaken). App.vue renders it and closes it on navigation.
 */
export function useGuide() {
  return {
    shown: computed({
      get: () => shown.value,
      set: (value: boolean) => {
        shown.value = value
      },
    }),
    open: (): void => {
      shown.value = true
    },
    close: (): void => {
      shown.value = false
    },
  }
}
