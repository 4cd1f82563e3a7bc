export interface ClientEntity {
  id: number;
  name: string;
  email: string;
  phone: string | null;
  createdAt: number;
  /** SHA-256 of the bearer key; the key itself is shown once and never stored. */
  apiKeyHash: string | null;
  /** When its details were erased at its request (see PrivacyService); null while kept. */
  erasedAt: number | null;
}
