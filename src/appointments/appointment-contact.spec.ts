import { contactOf } from './appointment-contact';

describe('contactOf', () => {
  const client = { name: 'Registered Name', email: 'owner@example.com', phone: '+14155550111' };

  it("uses a guest request's name and phone, and the client's address", () => {
    expect(contactOf({ guestName: 'Typed Name', guestPhone: '+14155550199' }, client)).toEqual({
      name: 'Typed Name',
      email: 'owner@example.com',
      phone: '+14155550199',
    });
  });

  it("falls back to the client's details where the request has none (a request with a key, a guest without a phone)", () => {
    expect(contactOf({ guestName: null, guestPhone: null }, client)).toEqual(client);
    expect(contactOf({ guestName: 'Typed Name', guestPhone: null }, { ...client, phone: null })).toEqual({
      name: 'Typed Name',
      email: 'owner@example.com',
      phone: null,
    });
  });
});
