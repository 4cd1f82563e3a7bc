import { ClientEntity } from './entities/client.entity';

/** The domain erased clients' placeholder addresses use: `.invalid` never resolves (RFC 2606), so no mail can reach it. */
const ERASED_DOMAIN = 'erased.invalid';

/** What an erased client's row holds instead of its details: nothing about the person, and an address still unique. */
export function erasedPlaceholder(clientId: number): Pick<ClientEntity, 'name' | 'email'> {
  return { name: 'Erased client', email: `client-${clientId}@${ERASED_DOMAIN}` };
}

/** Whether an address is an erased client's placeholder: nothing is ever sent to it. */
export function isErasedAddress(address: string): boolean {
  return address.toLowerCase().endsWith(`@${ERASED_DOMAIN}`);
}
