import { describe, expect, it } from 'vitest';
import {
  allowedHosts,
  bearerOf,
  LoginTickets,
  MAX_SESSIONS,
  MAX_TICKETS,
  newSecret,
  sameSecret,
  Sessions,
} from './auth.js';

describe('serve auth', () => {
  it('secrets are 32 random bytes in base64url', () => {
    const a = newSecret();
    expect(a).toMatch(/^[\w-]{43}$/);
    expect(Buffer.from(a, 'base64url')).toHaveLength(32);
    expect(newSecret()).not.toBe(a);
  });

  it('compares secrets whole, whatever their lengths', () => {
    expect(sameSecret('abc', 'abc')).toBe(true);
    expect(sameSecret('abd', 'abc')).toBe(false);
    expect(sameSecret('ab', 'abc')).toBe(false);
    expect(sameSecret(undefined, 'abc')).toBe(false);
  });

  it('reads Bearer tokens', () => {
    expect(bearerOf('Bearer abc')).toBe('abc');
    expect(bearerOf('bearer abc')).toBe('abc');
    expect(bearerOf('Basic abc')).toBeUndefined();
    expect(bearerOf(undefined)).toBeUndefined();
  });

  it('knows the sessions it opened, and forgets the oldest past the cap', () => {
    const sessions = new Sessions();
    const first = sessions.open();
    expect(sessions.find(first)).toBeDefined();
    expect(sessions.find('forged')).toBeUndefined();
    for (let i = 0; i < MAX_SESSIONS; i++) sessions.open();
    expect(sessions.find(first)).toBeUndefined();
  });

  it('a login ticket opens once: spent, it is worth nothing; the oldest are forgotten past the cap', () => {
    const tickets = new LoginTickets();
    const ticket = tickets.issue();
    expect(tickets.spend('forged')).toBe(false);
    expect(tickets.spend(ticket)).toBe(true);
    expect(tickets.spend(ticket)).toBe(false);
    const oldest = tickets.issue();
    for (let i = 0; i < MAX_TICKETS; i++) tickets.issue();
    expect(tickets.spend(oldest)).toBe(false);
  });

  it('the Host names of the server: loopback names and the --host, with the port', () => {
    expect([...allowedHosts('127.0.0.1', 8080)].sort()).toEqual([
      '127.0.0.1:8080',
      '[::1]:8080',
      'localhost:8080',
    ]);
    expect(allowedHosts('192.168.1.5', 8080).has('192.168.1.5:8080')).toBe(true);
    expect(allowedHosts('::', 8080).has('[::]:8080')).toBe(true);
    expect(allowedHosts('NAS.local', 80).has('nas.local')).toBe(true);
  });
});
