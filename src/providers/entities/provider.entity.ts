import { BookingRules } from '../../scheduling/booking-rules';

export interface ProviderEntity {
  id: number;
  name: string;
  email: string;
  phone: string | null;
  timeZone: string;
  createdAt: number;
  /** SHA-256 of the bearer key; the key itself is shown once and never stored. */
  apiKeyHash: string | null;
  rules: BookingRules;
}
