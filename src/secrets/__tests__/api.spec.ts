import { describe, expect, it } from 'vitest';

import { clientWith, json } from '../../api/__tests__/fakeServer';
import { ApiError } from '../../api/errors';
import { SecretsService, productQuery, secretRoute } from '../api';

const path = (request: Request): string => new URL(request.url).pathname;
const params = (request: Request): URLSearchParams =>
  new URL(request.url).searchParams;

const INFO = {
  name: 'CRM_KEY',
  scope: 'product',
  product: 'team/sales',
  updated_at: '2026-11-30T04:00:00Z'
};

describe('SecretsService', () => {
  it("lists the user's secrets, or a product's then the user's", async () => {
    const answer = { secrets: [INFO], backend: 'file' };
    const { service, calls } = clientWith(SecretsService, () =>
      json(200, answer)
    );
    expect(await service.list()).toEqual(answer);
    await service.list('team/sales');
    expect(calls.map(c => c.method)).toEqual(['GET', 'GET']);
    expect(path(calls[0])).toBe('/lab-base/naas-lab-ext/secrets');
    expect(params(calls[0]).has('product')).toBe(false);
    expect(params(calls[1]).get('product')).toBe('team/sales');
  });

  it('puts a value (in the body, never the URL) and answers what is stored', async () => {
    const { service, calls } = clientWith(SecretsService, () =>
      json(200, INFO)
    );
    const stored = await service.set(
      'CRM_KEY',
      's3cr3t value/?&',
      'team/sales'
    );
    await service.set('OPENAI_API_KEY', 'k');
    expect(stored).toEqual(INFO);
    expect(calls[0].method).toBe('PUT');
    expect(path(calls[0])).toBe('/lab-base/naas-lab-ext/secrets/CRM_KEY');
    expect(calls[0].url).not.toContain('s3cr3t');
    expect(await calls[0].json()).toEqual({
      value: 's3cr3t value/?&',
      product: 'team/sales'
    });
    expect(await calls[1].json()).toEqual({ value: 'k', product: null });
  });

  it("deletes a user's or a product's secret", async () => {
    const { service, calls } = clientWith(
      SecretsService,
      () => new Response(null, { status: 204 })
    );
    await service.remove('CRM_KEY', 'team/sales');
    await service.remove('SLACK_TOKEN');
    expect(calls[0].method).toBe('DELETE');
    expect(path(calls[0])).toBe('/lab-base/naas-lab-ext/secrets/CRM_KEY');
    expect(params(calls[0]).get('product')).toBe('team/sales');
    expect(path(calls[1])).toBe('/lab-base/naas-lab-ext/secrets/SLACK_TOKEN');
    expect(params(calls[1]).has('product')).toBe(false);
  });

  it("turns the server's refusals into errors with its message and field", async () => {
    const { service } = clientWith(SecretsService, request =>
      request.method === 'PUT'
        ? json(400, {
            message: 'A secret name starts with a letter or _.',
            reason: 'invalid',
            field: 'name'
          })
        : json(404, {
            message: 'No secret GONE of yours.',
            reason: 'not_found'
          })
    );
    const refused = await service.set('1x', 'v').catch(e => e);
    expect(refused).toBeInstanceOf(ApiError);
    expect(refused.message).toBe('A secret name starts with a letter or _.');
    expect(refused.field).toBe('name');
    expect(refused.status).toBe(400);
    await expect(service.remove('GONE')).rejects.toThrow(
      'No secret GONE of yours.'
    );
  });
});

describe('routes', () => {
  it('encodes names and products', () => {
    expect(secretRoute('a.b-c_D')).toBe('secrets/a.b-c_D');
    expect(secretRoute('a b/c')).toBe('secrets/a%20b%2Fc');
    expect(productQuery(null)).toBe('');
    expect(productQuery(undefined)).toBe('');
    expect(productQuery('team/my sales')).toBe('?product=team%2Fmy+sales');
    // The server reads no product as the user's: sent as none
    expect(productQuery('')).toBe('');
  });
});
