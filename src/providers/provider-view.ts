import { ProviderView } from './dto/provider.dto';
import { ProviderEntity } from './entities/provider.entity';

export function toProviderView(provider: ProviderEntity): ProviderView {
  return {
    id: provider.id,
    name: provider.name,
    email: provider.email,
    phone: provider.phone,
    time_zone: provider.timeZone,
    created_at: new Date(provider.createdAt).toISOString(),
    minimum_notice_minutes: provider.rules.minimumNoticeMinutes,
    booking_horizon_days: provider.rules.bookingHorizonDays,
    buffer_minutes: provider.rules.bufferMinutes,
    max_active_per_client: provider.rules.maxActivePerClient,
  };
}
