import { randomBytes } from 'node:crypto';
import { DateTime } from 'luxon';
import { ApiClient } from './api-client';

const unique = () => randomBytes(4).toString('hex');

/** A date far enough ahead that none of its slots is in the past. */
export function futureDate(daysAhead = 30, zone = 'UTC'): string {
  return DateTime.now().setZone(zone).plus({ days: daysAhead }).toISODate()!;
}

export async function createProvider(api: ApiClient, fields: Record<string, unknown> = {}) {
  const response = await api.post('/api/providers', { name: 'Dr. Test', email: `provider-${unique()}@clinic.test`, ...fields });
  if (response.status !== 201) throw new Error(`provider not created: ${response.status} ${response.text}`);
  return response.body as { id: number; email: string; time_zone: string; name: string; api_key: string };
}

export async function createClient(api: ApiClient, fields: Record<string, unknown> = {}) {
  const response = await api.post('/api/clients', { name: 'Test Client', email: `client-${unique()}@mail.test`, ...fields });
  if (response.status !== 201) throw new Error(`client not created: ${response.status} ${response.text}`);
  return response.body as { id: number; email: string; name: string; api_key: string };
}

export async function publish(api: ApiClient, providerId: number, date: string, startTime: string, endTime: string) {
  const response = await api.post('/api/schedule', { date, start_time: startTime, end_time: endTime, provider_id: providerId });
  if (response.status !== 201) throw new Error(`schedule not published: ${response.status} ${response.text}`);
  return response.body as { slots: { index: number }[] };
}

export async function openIndexes(api: ApiClient, providerId: number, date: string, duration?: number): Promise<number[]> {
  const query = `/api/schedule?provider_id=${providerId}&date=${date}${duration ? `&duration_minutes=${duration}` : ''}`;
  const response = await api.get(query);
  if (response.status !== 200) throw new Error(`open slots not listed: ${response.status} ${response.text}`);
  return (response.body.slots as { index: number }[]).map((slot) => slot.index);
}
