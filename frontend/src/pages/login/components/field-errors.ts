import { reactive } from 'vue'
import { isApiError } from '@/utils/api-error'

/** Messages the server put in an error's `fields`, by field name. */
export type FieldErrors = Record<string, string>

/**
 * The server's field messages of a sign-in form: shown under the matching input (`LoginField`)
 * until the customer changes it.
 */
export function useFieldErrors() {
  const errors = reactive<FieldErrors>({})

  function clear(name: string): void {
    delete errors[name]
  }

  /** Takes the `fields` of an API error (other errors have none). */
  function showFrom(error: unknown): void {
    if (isApiError(error) && error.fields) Object.assign(errors, error.fields)
  }

  return { errors, clear, showFrom }
}

export type FieldErrorsHandle = ReturnType<typeof useFieldErrors>
