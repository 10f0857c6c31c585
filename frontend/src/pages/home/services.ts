/** The business hall (掌厅) services. Only 证件更新 (and its records) is offered by idrenew; the others are placeholders. */
export interface HallService {
  id: string
  icon: string
  /** Route of an enabled service; absent = shown disabled with 敬请期待. */
  to?: string
}

export const HALL_SERVICES: readonly HallService[] = [
  { id: 'zjgx', icon: 'idcard', to: '/login' },
  // The decisions and signed agreements of every case (sign-in first, then back here).
  { id: 'records', icon: 'orders-o', to: '/records' },
  { id: 'mmcz', icon: 'lock' },
  { id: 'sjhbg', icon: 'phone-o' },
  { id: 'fxcp', icon: 'chart-trending-o' },
  { id: 'sdxxx', icon: 'records-o' },
  { id: 'yqqy', icon: 'balance-o' },
]
