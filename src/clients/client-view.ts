import { ClientView } from './dto/client.dto';
import { ClientEntity } from './entities/client.entity';

export function toClientView(client: ClientEntity): ClientView {
  return {
    id: client.id,
    name: client.name,
    email: client.email,
    phone: client.phone,
    created_at: new Date(client.createdAt).toISOString(),
  };
}
