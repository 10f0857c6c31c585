import { type RequestOptions, request } from '@/utils/request'

export interface BusinessHours {
  /** `HH:MM`, Asia/Shanghai */
  open: string
  close: string
}

export interface StepInfo {
  number: number
  key: string
  title: string
}

export interface MetaOut {
  service_open: boolean
  ignore_business_hours: boolean
  business_hours: BusinessHours
  /** ISO 8601 with +08:00; null while the service is open */
  next_open: string | null
  demo: boolean
  steps: StepInfo[]
}

/** Service information; also sets the `csrftoken` cookie. */
export async function getMeta(options?: RequestOptions): Promise<MetaOut> {
  const { data } = await request.get<MetaOut>('/meta', options)
  return data
}
