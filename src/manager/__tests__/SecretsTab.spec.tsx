import {
  act,
  fireEvent,
  screen,
  waitFor,
  within
} from '@testing-library/react';
import { describe, expect, it } from 'vitest';

import { ApiError } from '../../api/errors';
import { ISecretInfo, ISecretList } from '../../secrets/types';
import { SecretsTab, sortSecrets, withSecret } from '../SecretsTab';
import {
  cleanupManagerAfterEach,
  deliver,
  event,
  fakeManager,
  fakeServices,
  product,
  renderTab,
  secretInfo
} from './fixtures';

cleanupManagerAfterEach();

const VALUE = 'sk-live-Zq81-never-shown';

/** A promise the test settles when it wants. */
function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (reason: unknown) => void;
  const promise = new Promise<T>((ok, ko) => {
    resolve = ok;
    reject = ko;
  });
  return { promise, resolve, reject };
}

/** The Secrets tab over fake services whose GET secrets answers `answer(scope)`. */
function renderSecrets(
  answer: (scope: string | null) => ISecretInfo[] = () => [],
  backend: ISecretList['backend'] = 'file'
) {
  const services = fakeServices();
  services.secrets.list.mockImplementation(async scope => ({
    secrets: answer(scope ?? null),
    backend
  }));
  const fake = fakeManager(services, [
    product('team/sales', 'Sales'),
    product('team/other', 'Other')
  ]);
  fake.model.setTab('secrets');
  return renderTab(SecretsTab, fake);
}

const form = () => screen.getByRole('form', { name: 'Add a secret' });
const nameField = () => within(form()).getByLabelText('Name');
const valueField = () =>
  within(form()).getByLabelText('Value') as HTMLInputElement;

/** Type a name and a value in "Add a secret" and send it. */
function add(name: string, value: string): void {
  fireEvent.change(nameField(), { target: { value: name } });
  fireEvent.change(valueField(), { target: { value } });
  fireEvent.click(within(form()).getByRole('button', { name: 'Add secret' }));
}

describe('SecretsTab', () => {
  it("says what secrets are for when there is none, and where they're kept", async () => {
    const { services } = renderSecrets(() => [], 'keyring');
    expect(await screen.findByText(/You have no secret yet/)).toBeTruthy();
    expect(services.secrets.list).toHaveBeenCalledWith(null);
    expect(document.body.textContent).toContain('secret.get("NAME")');
    expect(document.body.textContent).toContain(
      "They are kept in the operating system's keyring."
    );
    expect(screen.queryByRole('table')).toBeNull();
  });

  it("lists the user's secrets: name, scope and when each was set", async () => {
    renderSecrets(() => [
      secretInfo('SLACK_TOKEN', null, '2026-11-28T05:00:00Z'),
      secretInfo('OPENAI_API_KEY')
    ]);
    const table = await screen.findByRole('table', { name: 'Your secrets' });
    const rows = within(table).getAllByRole('row').slice(1);
    expect(rows.map(r => r.getAttribute('aria-label'))).toEqual([
      'Secret SLACK_TOKEN (yours)',
      'Secret OPENAI_API_KEY (yours)'
    ]);
    expect(rows[0].textContent).toContain('You');
    expect(rows[0].textContent).toContain('updated 2 d ago');
    expect(rows[1].textContent).toContain('updated 1 h ago');
    expect(document.body.textContent).toContain(
      'encrypted, in a file of the Jupyter data folder readable by you alone'
    );
  });

  it("shows a product's secrets before the user's, and which of the user's it shadows", async () => {
    const { model, services } = renderSecrets(scope =>
      scope === 'team/sales'
        ? [
            secretInfo('CRM_KEY', 'team/sales'),
            secretInfo('CRM_KEY'),
            secretInfo('SLACK_TOKEN')
          ]
        : [secretInfo('CRM_KEY'), secretInfo('SLACK_TOKEN')]
    );
    await screen.findByRole('table', { name: 'Your secrets' });

    // When the user picks the product in "Secrets of"
    fireEvent.change(screen.getByLabelText('Secrets of'), {
      target: { value: 'product:team/sales' }
    });

    // Then its secrets show, the product's first, the user's it shadows said so
    const table = await screen.findByRole('table', {
      name: 'Secrets of Sales'
    });
    expect(model.secretsScope).toBe('team/sales');
    expect(services.secrets.list).toHaveBeenLastCalledWith('team/sales');
    const own = within(table).getByRole('row', {
      name: 'Secret CRM_KEY (Sales)'
    });
    expect(own.textContent).toContain('Sales');
    expect(own.textContent).toContain('team/sales');
    const shadowed = within(table).getByRole('row', {
      name: 'Secret CRM_KEY (yours)'
    });
    expect(shadowed.textContent).toContain(
      "Sales's own CRM_KEY wins in its runs"
    );
    expect(
      within(table).getByRole('row', { name: 'Secret SLACK_TOKEN (yours)' })
        .textContent
    ).not.toContain('wins');
    expect(screen.getByText(/For Sales only/)).toBeTruthy();

    // And back to the user's own
    fireEvent.change(screen.getByLabelText('Secrets of'), {
      target: { value: '' }
    });
    expect(
      await screen.findByRole('table', { name: 'Your secrets' })
    ).toBeTruthy();
    expect(model.secretsScope).toBeNull();
  });

  it('offers every product but one at the root itself (it has no scope of its own)', async () => {
    const services = fakeServices();
    renderTab(
      SecretsTab,
      fakeManager(services, [
        product('', 'Root product'),
        product('team/sales', 'Sales')
      ])
    );
    await screen.findByText(/You have no secret yet/);
    const options = within(screen.getByLabelText('Secrets of')).getAllByRole(
      'option'
    );
    expect(options.map(o => o.textContent)).toEqual([
      'You (read by every product)',
      'Sales (team/sales)'
    ]);
  });

  it('shows nothing of the previous scope while the next one is read', async () => {
    const slow = deferred<ISecretList>();
    const { services } = renderSecrets(() => [secretInfo('MINE')]);
    await screen.findByRole('row', { name: 'Secret MINE (yours)' });
    services.secrets.list.mockReturnValueOnce(slow.promise);
    fireEvent.change(screen.getByLabelText('Secrets of'), {
      target: { value: 'product:team/other' }
    });
    expect(await screen.findByText('Reading the secrets…')).toBeTruthy();
    expect(
      screen.queryByRole('row', { name: 'Secret MINE (yours)' })
    ).toBeNull();
    await act(async () =>
      slow.resolve({
        secrets: [secretInfo('THEIRS', 'team/other')],
        backend: 'file'
      })
    );
    expect(
      await screen.findByRole('row', { name: 'Secret THEIRS (Other)' })
    ).toBeTruthy();
  });

  it('adds a secret: the value goes to the server once, leaves the field at once and never shows', async () => {
    const { services } = renderSecrets();
    await screen.findByText(/You have no secret yet/);
    const saving = deferred<ISecretInfo>();
    services.secrets.set.mockReturnValueOnce(saving.promise);

    add('OPENAI_API_KEY', VALUE);

    // The field is empty while the server saves it
    expect(services.secrets.set).toHaveBeenCalledTimes(1);
    expect(services.secrets.set).toHaveBeenCalledWith(
      'OPENAI_API_KEY',
      VALUE,
      null
    );
    expect(valueField().value).toBe('');
    expect(
      within(form())
        .getByRole('button', { name: 'Add secret' })
        .getAttribute('aria-busy')
    ).toBe('true');
    await act(async () => saving.resolve(secretInfo('OPENAI_API_KEY')));

    // Then it is listed, by name, and the page says how to read it
    const row = await screen.findByRole('row', {
      name: 'Secret OPENAI_API_KEY (yours)'
    });
    expect(row.textContent).toContain('updated 1 h ago');
    expect(screen.getByRole('status').textContent).toBe(
      'Saved OPENAI_API_KEY for you: read it with secret.get("OPENAI_API_KEY").'
    );
    expect((nameField() as HTMLInputElement).value).toBe('');
    // Nowhere in the page: not in its text, not in a field, not in an attribute
    expect(document.body.innerHTML).not.toContain(VALUE);
    expect(
      [...document.querySelectorAll('input')].map(i => i.value)
    ).not.toContain(VALUE);
  });

  it("adds a product's secret in the product's scope", async () => {
    const { model, services } = renderSecrets();
    model.setSecretsScope('team/sales');
    await screen.findByText(/Neither Sales nor you have a secret yet/);
    services.secrets.set.mockResolvedValueOnce(
      secretInfo('CRM_KEY', 'team/sales')
    );
    add(' CRM_KEY ', VALUE);
    await waitFor(() =>
      expect(services.secrets.set).toHaveBeenCalledWith(
        'CRM_KEY',
        VALUE,
        'team/sales'
      )
    );
    expect(
      await screen.findByRole('row', { name: 'Secret CRM_KEY (Sales)' })
    ).toBeTruthy();
    expect(screen.getByRole('status').textContent).toContain(
      'Saved CRM_KEY for Sales'
    );
  });

  it('says what to fix in the name or the value before sending anything', async () => {
    const { services } = renderSecrets();
    await screen.findByText(/You have no secret yet/);

    add('my key', VALUE);
    expect(services.secrets.set).not.toHaveBeenCalled();
    expect(nameField().getAttribute('aria-invalid')).toBe('true');
    const error = document.getElementById(
      nameField().getAttribute('aria-describedby') as string
    );
    expect(error?.textContent).toMatch(/no space/);
    expect(document.activeElement).toBe(nameField());

    add('MY_KEY', '');
    expect(services.secrets.set).not.toHaveBeenCalled();
    expect(nameField().getAttribute('aria-invalid')).toBeNull();
    expect(valueField().getAttribute('aria-invalid')).toBe('true');
    expect(document.body.textContent).toContain('Type or paste the value.');
    expect(document.activeElement).toBe(valueField());
  });

  it('says a name set already is replaced by adding it', async () => {
    renderSecrets(() => [secretInfo('OPENAI_API_KEY')]);
    await screen.findByRole('row', { name: 'Secret OPENAI_API_KEY (yours)' });
    fireEvent.change(nameField(), { target: { value: 'OPENAI_API_KEY' } });
    expect(form().textContent).toContain(
      'OPENAI_API_KEY is set here already: adding it replaces its value.'
    );
  });

  it("shows the server's refusal inline, and the value is not kept", async () => {
    const { services } = renderSecrets();
    await screen.findByText(/You have no secret yet/);
    services.secrets.set.mockRejectedValueOnce(
      new ApiError('The secrets key file cannot decrypt the vault.', 500)
    );
    add('OPENAI_API_KEY', VALUE);
    const alert = await within(form()).findByRole('alert');
    expect(alert.textContent).toBe(
      'The secrets key file cannot decrypt the vault. Nothing was saved: type the value again.'
    );
    expect(valueField().value).toBe('');
    expect(screen.queryByRole('table')).toBeNull();

    // A refused name shows at the name
    services.secrets.set.mockRejectedValueOnce(
      new ApiError('This name is reserved: choose another.', 400, 'name')
    );
    add('OPENAI_API_KEY', VALUE);
    await waitFor(() =>
      expect(nameField().getAttribute('aria-invalid')).toBe('true')
    );
    expect(document.body.textContent).toContain(
      'This name is reserved: choose another.'
    );
    expect(document.body.innerHTML).not.toContain(VALUE);
  });

  it('replaces a value in place: keyboard focus goes in and back, Escape cancels', async () => {
    const { services } = renderSecrets(() => [
      secretInfo('CRM_KEY', 'team/sales'),
      secretInfo('CRM_KEY')
    ]);
    const row = await screen.findByRole('row', {
      name: 'Secret CRM_KEY (yours)'
    });
    const replace = within(row).getByRole('button', {
      name: 'Replace the value of CRM_KEY (yours)'
    });

    // Escape closes the form and gives the focus back
    fireEvent.click(replace);
    expect(replace.getAttribute('aria-expanded')).toBe('true');
    let field = screen.getByLabelText('New value of CRM_KEY');
    expect(document.activeElement).toBe(field);
    fireEvent.keyDown(field, { key: 'Escape' });
    expect(screen.queryByLabelText('New value of CRM_KEY')).toBeNull();
    expect(document.activeElement).toBe(replace);

    // An empty value is refused
    fireEvent.click(replace);
    field = screen.getByLabelText('New value of CRM_KEY');
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    expect(
      (await screen.findByRole('alert', { name: 'Result for CRM_KEY (yours)' }))
        .textContent
    ).toBe('Type or paste the value.');
    expect(services.secrets.set).not.toHaveBeenCalled();

    // A value is sent for the row's own scope (the user's), then the form closes
    services.secrets.set.mockResolvedValueOnce(
      secretInfo('CRM_KEY', null, '2026-11-30T04:59:50Z')
    );
    fireEvent.change(field, { target: { value: VALUE } });
    fireEvent.submit(field);
    expect(services.secrets.set).toHaveBeenCalledWith('CRM_KEY', VALUE, null);
    expect((field as HTMLInputElement).value).toBe('');
    expect(
      (
        await screen.findByRole('status', {
          name: 'Result for CRM_KEY (yours)'
        })
      ).textContent
    ).toBe('Replaced the value of CRM_KEY: the next runs read the new one.');
    expect(screen.queryByLabelText('New value of CRM_KEY')).toBeNull();
    expect(document.activeElement).toBe(replace);
    expect(row.textContent).toContain('updated just now');
    expect(document.body.innerHTML).not.toContain(VALUE);
  });

  it("replaces a product's value in the product's scope, and says when it failed", async () => {
    const { model, services } = renderSecrets(() => [
      secretInfo('CRM_KEY', 'team/sales')
    ]);
    model.setSecretsScope('team/sales');
    const row = await screen.findByRole('row', {
      name: 'Secret CRM_KEY (Sales)'
    });
    fireEvent.click(
      within(row).getByRole('button', {
        name: 'Replace the value of CRM_KEY (Sales)'
      })
    );
    services.secrets.set.mockRejectedValueOnce(
      new ApiError('The server cannot be reached.', 0)
    );
    const field = screen.getByLabelText('New value of CRM_KEY');
    fireEvent.change(field, { target: { value: VALUE } });
    fireEvent.submit(field);
    expect(services.secrets.set).toHaveBeenCalledWith(
      'CRM_KEY',
      VALUE,
      'team/sales'
    );
    expect(
      (await screen.findByRole('alert', { name: 'Result for CRM_KEY (Sales)' }))
        .textContent
    ).toBe(
      'The server cannot be reached. The value was not replaced: type it again.'
    );
    // The form stays, empty, to type it again
    expect((field as HTMLInputElement).value).toBe('');
    expect(document.activeElement).toBe(field);
  });

  it('deletes a secret once confirmed, and the keyboard lands on what happened', async () => {
    const { model, services, host } = renderSecrets(() => [
      secretInfo('CRM_KEY', 'team/sales'),
      secretInfo('SLACK_TOKEN')
    ]);
    model.setSecretsScope('team/sales');
    const row = await screen.findByRole('row', {
      name: 'Secret CRM_KEY (Sales)'
    });
    const remove = within(row).getByRole('button', {
      name: 'Delete CRM_KEY (Sales)'
    });

    host.confirm.mockResolvedValueOnce(false);
    fireEvent.click(remove);
    await waitFor(() => expect(host.confirm).toHaveBeenCalledTimes(1));
    expect(host.confirm.mock.calls[0][0]).toMatchObject({
      title: 'Delete the secret CRM_KEY?',
      accept: 'Delete',
      danger: true
    });
    expect(host.confirm.mock.calls[0][0].body).toContain(
      "Sales's CRM_KEY is deleted. Its runs then read yours of that name"
    );
    expect(services.secrets.remove).not.toHaveBeenCalled();

    fireEvent.click(remove);
    await waitFor(() =>
      expect(services.secrets.remove).toHaveBeenCalledWith(
        'CRM_KEY',
        'team/sales'
      )
    );
    const status = await screen.findByRole('status');
    expect(status.textContent).toBe('Deleted CRM_KEY of Sales.');
    expect(
      screen.queryByRole('row', { name: 'Secret CRM_KEY (Sales)' })
    ).toBeNull();
    await waitFor(() => expect(document.activeElement).toBe(status));

    // The user's own is deleted in the user's scope
    fireEvent.click(
      screen.getByRole('button', { name: 'Delete SLACK_TOKEN (yours)' })
    );
    await waitFor(() =>
      expect(services.secrets.remove).toHaveBeenLastCalledWith(
        'SLACK_TOKEN',
        null
      )
    );
    expect(host.confirm.mock.calls[2][0].body).toContain(
      'Your SLACK_TOKEN is deleted.'
    );
  });

  it("shows the server's answer when a delete fails, and keeps the row", async () => {
    const { services } = renderSecrets(() => [secretInfo('GONE')]);
    services.secrets.remove.mockRejectedValueOnce(
      new ApiError('No secret GONE of yours: it was deleted already.', 404)
    );
    fireEvent.click(
      await screen.findByRole('button', { name: 'Delete GONE (yours)' })
    );
    expect(
      (await screen.findByRole('alert', { name: 'Result for GONE (yours)' }))
        .textContent
    ).toBe('No secret GONE of yours: it was deleted already.');
    expect(
      screen.getByRole('row', { name: 'Secret GONE (yours)' })
    ).toBeTruthy();
  });

  it('says why the secrets cannot be read', async () => {
    const services = fakeServices();
    services.secrets.list.mockRejectedValue(
      new ApiError(
        'The secrets key file /x/secrets.key does not open the vault.',
        500
      )
    );
    renderTab(SecretsTab, fakeManager(services));
    expect((await screen.findByRole('alert')).textContent).toBe(
      'The secrets key file /x/secrets.key does not open the vault.'
    );
  });

  it('reads the list again when a secret is set elsewhere (live events)', async () => {
    let names = ['A'];
    const fake = renderSecrets(() => names.map(n => secretInfo(n)));
    await screen.findByRole('row', { name: 'Secret A (yours)' });
    names = ['A', 'FROM_CLI'];
    await act(() =>
      deliver(fake, [
        event('secret.set', { subject_type: 'secret', subject_id: 'FROM_CLI' })
      ])
    );
    expect(
      await screen.findByRole('row', { name: 'Secret FROM_CLI (yours)' })
    ).toBeTruthy();
  });

  it('opens on the scope asked for', async () => {
    const { model, services } = renderSecrets(scope =>
      scope ? [secretInfo('CRM_KEY', scope)] : []
    );
    act(() => model.showSecrets('team/other'));
    expect(
      await screen.findByRole('row', { name: 'Secret CRM_KEY (Other)' })
    ).toBeTruthy();
    expect(services.secrets.list).toHaveBeenLastCalledWith('team/other');
    expect(
      (screen.getByLabelText('Secrets of') as HTMLSelectElement).value
    ).toBe('product:team/other');
  });
});

describe('sortSecrets and withSecret', () => {
  it("puts the product's first, by name, and replaces the same name in the same scope", () => {
    const listed = sortSecrets([
      secretInfo('B'),
      secretInfo('Z', 'p'),
      secretInfo('A')
    ]);
    expect(listed.map(s => `${s.scope}:${s.name}`)).toEqual([
      'product:Z',
      'user:A',
      'user:B'
    ]);
    const newer = secretInfo('A', null, '2026-12-01T00:00:00Z');
    const after = withSecret(listed, newer);
    expect(after).toHaveLength(3);
    expect(after[1]).toBe(newer);
    expect(withSecret(listed, secretInfo('A', 'p'))).toHaveLength(4);
  });
});
